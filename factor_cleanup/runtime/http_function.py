"""The HTTP functions' edge: an API Gateway event in, its answer out, a broken configuration answered 503.

The service is asked for inside the call, so a configuration error found while building it (a missing
TWILIO_ACCOUNT_SID, an invalid value) is answered and logged like any other, and tried again next time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

import structlog

from factor_cleanup.intake.http import BadRequest, HttpRequest, error
from factor_cleanup.runtime.adapters import log_configuration_error
from factor_cleanup.runtime.credentials import ConfigurationError

log = structlog.get_logger(__name__)


class Answer(Protocol):
    def to_api_gateway(self) -> dict[str, Any]: ...


class HttpService(Protocol):
    def handle(self, request: HttpRequest) -> Answer: ...


def answer(event: dict[str, Any], service: Callable[[], HttpService], log_as: str | None = None) -> dict[str, Any]:
    """The API Gateway response; with `log_as`, every answer is logged with its status and time taken
    (`webhook_answered` feeds the IngestResponses and IngestLatency metrics)."""
    started = time.monotonic()
    response = _respond(event, service)
    if log_as:
        duration_ms = round((time.monotonic() - started) * 1000, 1)
        log.info(
            log_as,
            route=str(event.get("routeKey") or "unknown"),
            status=response["statusCode"],
            duration_ms=duration_ms,
        )
    return response


def _respond(event: dict[str, Any], service: Callable[[], HttpService]) -> dict[str, Any]:
    try:
        request = HttpRequest.from_api_gateway(event)
        return service().handle(request).to_api_gateway()
    except BadRequest as exc:
        return error(400, "bad_request", str(exc)).to_api_gateway()
    except ConfigurationError as exc:
        log_configuration_error(exc)
        return error(503, "configuration_error", "push-janitor is misconfigured; see its logs").to_api_gateway()
