"""App activity reports over HTTP: an HMAC-SHA256 of the timestamp and the raw body under a shared secret.

    X-Push-Janitor-Timestamp: <unix seconds>
    X-Push-Janitor-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>

The timestamp is inside the MAC and must be within APP_ACTIVITY_MAX_SKEW_SECONDS of the server
clock, so a captured request cannot be replayed later to keep a dead factor looking alive.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from pydantic import ValidationError

from factor_cleanup.domain.messages import AppActivity
from factor_cleanup.domain.ports import Clock
from factor_cleanup.domain.timestamps import parse_iso
from factor_cleanup.intake.debugger import MalformedEvent, describe_validation_error

SIGNATURE_HEADER = "X-Push-Janitor-Signature"
TIMESTAMP_HEADER = "X-Push-Janitor-Timestamp"
FIELDS = ("activity_id", "factor_sid", "service_sid", "identity", "occurred_at")


def activity_signature(secret: str, timestamp: str, body: str) -> str:
    """The header value a caller sends: `sha256=` and the hex HMAC of `<timestamp>.<body>`."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@dataclass
class ActivityAuthenticator:
    secret: Callable[[], str]
    clock: Clock
    max_skew_seconds: int = 300

    def problem(self, body: str, signature: str | None, timestamp: str | None) -> str | None:
        """Why the request is not authentic, or None when it is."""
        if not signature:
            return f"missing {SIGNATURE_HEADER} header"
        stamp = (timestamp or "").strip()
        if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):  # "²" is a digit int() refuses
            return f"missing or non-numeric {TIMESTAMP_HEADER} header (unix seconds)"
        skew = abs(self.clock.now().timestamp() - int(stamp))
        if skew > self.max_skew_seconds:
            return f"{TIMESTAMP_HEADER} is {int(skew)} s away from the server clock (at most {self.max_skew_seconds})"
        expected = activity_signature(self.secret(), stamp, body)
        if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
            return f'{SIGNATURE_HEADER} does not match the body (sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">)'
        return None

    def parse(self, body: str) -> AppActivity:
        """The report as a queue message; MalformedEvent names each problem, including a future occurred_at."""
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
            raise MalformedEvent(f"body is not JSON ({exc})") from None
        if not isinstance(data, dict):
            raise MalformedEvent(f"body must be a JSON object with some of {', '.join(FIELDS)}")
        unknown = sorted(set(data) - set(FIELDS))
        if unknown:
            raise MalformedEvent(f"unknown field(s) {', '.join(unknown)}; expected some of {', '.join(FIELDS)}")
        try:
            activity = AppActivity.model_validate({**data, "source": "app_activity_api"})
        except ValidationError as exc:
            raise MalformedEvent(describe_validation_error(exc)) from None
        if parse_iso(activity.occurred_at) > self.clock.now() + timedelta(seconds=self.max_skew_seconds):
            raise MalformedEvent(f"occurred_at {activity.occurred_at} is in the future")
        return activity
