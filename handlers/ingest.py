"""HTTP API -> intake: `POST /twilio/debugger`, `POST /twilio/verify` (Verify webhooks), `POST /app/activity`."""

from __future__ import annotations

import time
from typing import Any

import structlog

from factor_cleanup.intake.http import BadRequest, HttpRequest, error
from factor_cleanup.intake.ingest import IngestService
from factor_cleanup.runtime import bootstrap, logs
from factor_cleanup.runtime.credentials import ConfigurationError

logs.configure()
log = structlog.get_logger(__name__)
_service: IngestService | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Every answer is logged with its status and time taken: the IngestResponses and IngestLatency metrics."""
    started = time.monotonic()
    response = _answer(event)
    duration_ms = round((time.monotonic() - started) * 1000, 1)
    log.info("webhook_answered", route=str(event.get("routeKey") or "unknown"), status=response["statusCode"],
             duration_ms=duration_ms)  # fmt: skip
    return response


def _answer(event: dict[str, Any]) -> dict[str, Any]:
    global _service
    try:
        request = HttpRequest.from_api_gateway(event)
        _service = _service or bootstrap.ingest_service(bootstrap.settings())
        return _service.handle(request).to_api_gateway()
    except BadRequest as exc:
        return error(400, "bad_request", str(exc)).to_api_gateway()
    except ConfigurationError as exc:
        bootstrap.log_configuration_error(exc)
        return error(503, "configuration_error", "push-janitor is misconfigured; see its logs").to_api_gateway()
