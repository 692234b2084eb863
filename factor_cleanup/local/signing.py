"""Signs requests the way Twilio does, for `make send-example`, the load driver and tests."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator


def signed_form(url: str, params: dict[str, str], auth_token: str) -> tuple[str, dict[str, str]]:
    """(body, headers) of a form POST to `url` carrying a valid X-Twilio-Signature."""
    signature = RequestValidator(auth_token).compute_signature(url, params)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    return urlencode(params), headers


def signed_json(url: str, body: str, auth_token: str) -> tuple[str, dict[str, str]]:
    """(url with bodySHA256, headers) of a JSON POST: Twilio signs the URL, which carries the body hash."""
    separator = "&" if "?" in url else "?"
    signed_url = f"{url}{separator}bodySHA256={hashlib.sha256(body.encode('utf-8')).hexdigest()}"
    signature = RequestValidator(auth_token).compute_signature(signed_url, {})
    return signed_url, {"Content-Type": "application/json", "X-Twilio-Signature": signature}
