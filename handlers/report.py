"""HTTP -> cleanup report (`GET /reports/cleanup.{json,csv,html}?since=7d[&rows=N]`), served by the local stack."""

from __future__ import annotations

from typing import Any

from factor_cleanup.intake.http import HttpRequest, error
from factor_cleanup.intake.report_page import report_page
from factor_cleanup.runtime import bootstrap, logs
from factor_cleanup.runtime.credentials import ConfigurationError

logs.configure()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = HttpRequest.from_api_gateway(event)
    try:
        config = bootstrap.settings()
        ledger, stats = bootstrap.ledger(config), bootstrap.queue_stats(config)
    except ConfigurationError as exc:
        bootstrap.log_configuration_error(exc)
        return error(503, "configuration_error", "push-janitor is misconfigured; see its logs").to_api_gateway()
    page = report_page(request, ledger, stats, bootstrap.SystemClock())
    return {"statusCode": page.status, "headers": page.headers, "body": page.body}
