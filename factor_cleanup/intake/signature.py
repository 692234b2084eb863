"""X-Twilio-Signature checks, delegated to twilio's RequestValidator.

The signed URL must be the one Twilio called, byte for byte. It is built from configuration
(PUBLIC_BASE_URL, which carries any API Gateway stage) plus the route, never from a Host header.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from urllib.parse import parse_qs, urlsplit

from twilio.request_validator import RequestValidator, get_signature_algorithm


class FormParams(dict):
    """Form fields with every value kept; `getall` is what RequestValidator uses for repeated names."""

    def getall(self, name: str) -> list[str]:
        return self[name]

    def first(self) -> dict[str, str]:
        return {name: values[0] for name, values in self.items()}

    @classmethod
    def parse(cls, body: str) -> FormParams:
        return cls(parse_qs(body, keep_blank_values=True, strict_parsing=False))


def public_url(base_url: str, route_path: str, raw_query: str = "") -> str:
    """The URL Twilio was given: base (scheme, host, stage) + route + the query it called us with."""
    url = base_url.rstrip("/") + route_path
    return f"{url}?{raw_query}" if raw_query else url


def candidate_urls(url: str, fragment: str | None) -> list[str]:
    """The URL without and with the configured `#…` connection-override fragment.

    Twilio's SDKs sign the configured URL including its fragment, which the server never receives;
    whether Twilio's own signer includes it is not documented, so both are accepted.
    """
    urls = [url]
    if fragment:
        urls.append(f"{url}#{fragment.lstrip('#')}")
    return urls


class SignatureChecker:
    """Accepts a signature made with any of the current auth tokens (primary, then previous)."""

    def __init__(self, tokens: Callable[[], Iterable[str]], url_fragment: str | None = None) -> None:
        self._tokens = tokens
        self._fragment = url_fragment

    def is_valid_form(
        self, url: str, params: FormParams, signature: str | None, settings_header: str | None = None
    ) -> bool:
        """Form-encoded request: the signature covers the URL and every POST parameter."""
        return self._check(url, params, signature, settings_header)

    def is_valid_json(self, url: str, body: str, signature: str | None, settings_header: str | None = None) -> bool:
        """JSON request: the signature covers the URL, whose `bodySHA256` must match the body."""
        if "bodySHA256" not in parse_qs(urlsplit(url).query):
            return False  # without the hash nothing ties the body to the signature
        return self._check(url, body, signature, settings_header)

    def _check(self, url: str, params: FormParams | str, signature: str | None, settings_header: str | None) -> bool:
        if not signature:
            return False
        algorithm = get_signature_algorithm(settings_header)
        try:
            return self._matches(url, params, signature, algorithm)
        except ValueError:  # an algorithm twilio's SDK does not know (MD5, …): nothing we accept signed it
            return False

    def _matches(self, url: str, params: FormParams | str, signature: str, algorithm: str) -> bool:
        for token in self._tokens():
            validator = RequestValidator(token)
            for candidate in candidate_urls(url, self._fragment):
                if isinstance(params, FormParams) and _same(
                    validator.compute_signature(candidate, params, algorithm), signature
                ):
                    return True  # the URL exactly as configured: one HMAC instead of validate()'s two
                if validator.validate(candidate, params, signature, algorithm=algorithm):
                    return True  # with or without the default port, and the JSON body hash
        return False


def _same(computed: str, received: str) -> bool:
    return hmac.compare_digest(computed.encode(), received.encode())
