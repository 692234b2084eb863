"""HTTP -> cleanup report (`GET /reports/cleanup.{json,csv,html}?since=7d[&rows=N]`), served by the local stack."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import parse_qs

from factor_cleanup import bootstrap, logs
from factor_cleanup.credentials import ConfigurationError
from factor_cleanup.http import HttpRequest, error
from factor_cleanup.report import MEDIA_TYPES, period_since, write_report

logs.configure()
FORMS = ("json", "csv", "html")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = HttpRequest.from_api_gateway(event)
    form = request.route_key.rpartition(".")[2]
    if form not in FORMS:
        return error(404, "no_such_report", f"ask for /reports/cleanup.{{{','.join(FORMS)}}}").to_api_gateway()
    query = parse_qs(request.raw_query)
    try:
        period = period_since(bootstrap.SystemClock(), query.get("since", ["30d"])[0])
        rows = _rows(query.get("rows", [None])[0])
    except ValueError as exc:
        return error(400, "bad_period" if "period" in str(exc) else "bad_rows", str(exc)).to_api_gateway()
    try:
        config = bootstrap.settings()
        ledger, stats = bootstrap.ledger(config), bootstrap.queue_stats(config)
    except ConfigurationError as exc:
        bootstrap.log_configuration_error(exc)
        return error(503, "configuration_error", "push-janitor is misconfigured; see its logs").to_api_gateway()
    out = io.StringIO()
    actions = ledger.actions_between(period.start, period.end)
    write_report(form, actions, period, out, dlq_depth=stats.dlq_depth() if stats else None, rows=rows)
    return {"statusCode": 200, "headers": _headers(form), "body": out.getvalue()}


def _rows(text: str | None) -> int | None:
    if text is None:
        return None
    if not text.isdigit():
        raise ValueError(f"rows {text!r} is not a whole number of actions to include (0 or more)")
    return int(text)


def _headers(form: str) -> dict[str, str]:
    headers = {"Content-Type": MEDIA_TYPES[form], "Cache-Control": "no-store"}
    if form == "csv":
        headers["Content-Disposition"] = 'attachment; filename="cleanup-report.csv"'
    if form == "html":
        headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return headers
