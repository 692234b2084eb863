"""HTTP API -> intake: `POST /twilio/debugger`, `POST /twilio/verify` (Verify webhooks), `POST /app/activity`."""

from __future__ import annotations

from typing import Any

from factor_cleanup import bootstrap, logs
from factor_cleanup.credentials import ConfigurationError
from factor_cleanup.http import BadRequest, HttpRequest, error
from factor_cleanup.ingest import IngestService

logs.configure()
_service: IngestService | None = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
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
