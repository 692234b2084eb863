"""Verify API adapter on twilio's own REST client, so auth, URLs and error parsing are Twilio's code.

twilio-python is imported when the first client is built, not at module import: report-only
deployments and the webhook path never pay for it at cold start.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import structlog

from factor_cleanup.ports import VerifyNotFound, VerifyRejected, VerifyRetryable

log = structlog.get_logger(__name__)

_last_retry_after = threading.local()


def build_http_client(timeout: float, max_in_flight: int) -> Any:
    """twilio's HTTP client with a connection pool sized for our concurrency, remembering Retry-After."""
    from requests.adapters import HTTPAdapter
    from twilio.http.http_client import TwilioHttpClient

    class RetryAfterHttpClient(TwilioHttpClient):
        def request(self, *args: Any, **kwargs: Any) -> Any:
            response = super().request(*args, **kwargs)
            _last_retry_after.value = _retry_after_seconds(response)
            return response

    client = RetryAfterHttpClient(timeout=timeout, pool_connections=True)
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max_in_flight)
    client.session.mount("https://", adapter)
    client.session.mount("http://", adapter)
    return client


def _retry_after_seconds(response: Any) -> float | None:
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class TwilioVerifyApi:
    """Implements the VerifyApi port. Credentials: an API key (recommended) or the account's auth token."""

    def __init__(
        self,
        account_sid: str,
        username: str,
        password: str,
        base_url: str = "https://verify.twilio.com",
        timeout: float = 10.0,
        max_in_flight: int = 10,
    ) -> None:
        from twilio.rest import Client

        self._client = Client(
            username, password, account_sid, http_client=build_http_client(timeout, max_in_flight)
        )
        self._client.verify.base_url = base_url  # Twilio's Domain base URL; overridden for emulators and tests

    def delete_factor(self, service_sid: str, identity: str, factor_sid: str) -> None:
        import requests
        from twilio.base.exceptions import TwilioRestException

        factor = self._client.verify.v2.services(service_sid).entities(identity).factors(factor_sid)
        started, status = time.monotonic(), 0
        try:
            factor.delete()
            status = 204
        except TwilioRestException as exc:
            status = int(exc.status or 0)
            raise _translate(exc) from exc
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise VerifyRetryable(f"Verify API unreachable: {exc.__class__.__name__}") from exc
        finally:
            duration_ms = round((time.monotonic() - started) * 1000, 1)
            log.info("verify_call", operation="delete_factor", status=status, duration_ms=duration_ms, factor_sid=factor_sid)


def _translate(exc: Any) -> Exception:
    status = int(exc.status or 0)
    detail = f"HTTP {status} code {exc.code}: {exc.msg}"
    if status == 404:
        return VerifyNotFound(detail)
    if status == 429 or status >= 500:
        return VerifyRetryable(detail, retry_after=getattr(_last_retry_after, "value", None))
    return VerifyRejected(detail)
