"""Verify API adapter on twilio's own REST client, so auth, URLs and error parsing are Twilio's code.

twilio-python is imported when the first client is built, not at module import: report-only
deployments and the webhook path never pay for it at cold start.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import structlog

from factor_cleanup.domain.factors import Challenge, VerifyFactor
from factor_cleanup.domain.ports import VerifyNotFound, VerifyRejected, VerifyRetryable

log = structlog.get_logger(__name__)

_last_retry_after = threading.local()
LIST_PAGE_SIZE = 1000  # Verify's maximum: fewest requests for the backfill


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

        self._client = Client(username, password, account_sid, http_client=build_http_client(timeout, max_in_flight))
        self._client.verify.base_url = base_url  # Twilio's Domain base URL; overridden for emulators and tests
        from factor_cleanup.adapters.twilio.setup import keep_custom_hosts

        keep_custom_hosts(self._client, base_url)
        # The bound on Verify calls in flight from this process (Twilio's concurrency limit is per account);
        # records do their DynamoDB work outside it, so the slots are spent on Verify calls alone.
        self._slots = threading.BoundedSemaphore(max_in_flight)

    def delete_factor(self, service_sid: str, identity: str, factor_sid: str) -> None:
        factor = self._entity(service_sid, identity).factors(quote(factor_sid, safe=""))
        with self._slots:
            self._delete(factor, factor_sid)

    def _delete(self, factor: Any, factor_sid: str) -> None:
        with _translated_errors(), _timed("delete_factor", factor_sid, 204):
            factor.delete()

    def fetch_factor(self, service_sid: str, identity: str, factor_sid: str) -> VerifyFactor:
        with self._slots, _translated_errors(), _timed("fetch_factor", factor_sid, 200):
            return _factor(self._entity(service_sid, identity).factors(factor_sid).fetch(), service_sid)

    def recent_challenges(self, service_sid: str, identity: str, factor_sid: str, limit: int) -> list[Challenge]:
        """One request for up to `limit` (<= 1000) challenges: FactorSid filter, newest first."""
        challenges = self._entity(service_sid, identity).challenges
        with self._slots, _translated_errors(), _timed("list_challenges", factor_sid, 200):
            found = challenges.list(factor_sid=factor_sid, order="desc", limit=limit, page_size=min(limit, 1000))
        return [_challenge(item) for item in found]

    def list_factors(self, service_sid: str) -> Iterator[VerifyFactor]:
        """Entities page by page, then each entity's factors: memory stays flat however many there are."""
        service = self._client.verify.v2.services(service_sid)
        with _translated_errors():
            for entity in service.entities.stream(page_size=LIST_PAGE_SIZE):
                for factor in service.entities(entity.identity).factors.stream(page_size=LIST_PAGE_SIZE):
                    yield _factor(factor, service_sid)

    def _entity(self, service_sid: str, identity: str) -> Any:
        # twilio-python puts these in the URL path as they are. Quoted, an identity such as "u/Factors/YF…#"
        # (correlationIds are free text) stays one path segment instead of steering a DELETE to another factor.
        return self._client.verify.v2.services(quote(service_sid, safe="")).entities(quote(identity, safe=""))


@contextmanager
def _timed(operation: str, factor_sid: str, ok_status: int) -> Iterator[None]:
    """Log each call as `verify_call` with its HTTP status (0: no answer): the VerifyLatency and VerifyErrors metrics."""
    started, status = time.monotonic(), 0
    try:
        yield
        status = ok_status
    except Exception as exc:
        status = _status_of(exc)
        raise
    finally:
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        log.info("verify_call", operation=operation, status=status, duration_ms=duration_ms, factor_sid=factor_sid)


def _status_of(exc: Exception) -> int:
    """A TwilioRestException's status, a failed list page's response status (TwilioException args), else 0."""
    status = getattr(exc, "status", None)
    if status:
        return int(status)
    response = exc.args[1] if len(exc.args) > 1 else None
    return int(getattr(response, "status_code", 0) or 0)


@contextmanager
def _translated_errors() -> Iterator[None]:
    """twilio and requests errors -> the port's VerifyNotFound / VerifyRetryable / VerifyRejected."""
    import requests
    from twilio.base.exceptions import TwilioException, TwilioRestException

    try:
        yield
    except TwilioRestException as exc:
        raise _translate(exc) from exc
    except TwilioException as exc:  # a failed *list* page: ("Unable to fetch page", response)
        response = exc.args[1] if len(exc.args) > 1 else None
        status = int(getattr(response, "status_code", 0) or 0)
        raise _by_status(status, f"HTTP {status}: {exc.args[0]}") from exc
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise VerifyRetryable(f"Verify API unreachable: {exc.__class__.__name__}") from exc
    except requests.RequestException as exc:  # e.g. a body cut off after the status line: maybe done
        raise VerifyRetryable(f"Verify API answer unreadable: {exc.__class__.__name__}") from exc


def _factor(item: Any, service_sid: str) -> VerifyFactor:
    config = getattr(item, "config", None) or {}
    return VerifyFactor(
        sid=item.sid,
        service_sid=getattr(item, "service_sid", None) or service_sid,
        identity=item.identity,
        status=str(item.status),
        factor_type=str(item.factor_type),
        platform=config.get("notification_platform"),
        created_at=_utc(item.date_created),
        updated_at=_utc(item.date_updated or item.date_created),
    )


def _challenge(item: Any) -> Challenge:
    return Challenge(
        sid=item.sid,
        status=str(item.status),
        created_at=_utc(item.date_created),
        responded_at=_utc(item.date_responded) if item.date_responded else None,
    )


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _translate(exc: Any) -> Exception:
    status = int(exc.status or 0)
    return _by_status(status, f"HTTP {status} code {exc.code}: {exc.msg}")


def _by_status(status: int, detail: str) -> Exception:
    if status == 404:
        return VerifyNotFound(detail)
    if status == 429 or status >= 500 or status == 0:
        retry_after = getattr(_last_retry_after, "value", None)
        return VerifyRetryable(detail, retry_after=retry_after, maybe_done=status != 429)  # 429: "not processed"
    return VerifyRejected(detail)
