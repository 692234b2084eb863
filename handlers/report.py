"""HTTP -> cleanup report (`GET /reports/cleanup.json?since=7d`), served by the local stack."""

from __future__ import annotations

from typing import Any

from factor_cleanup import bootstrap, logs
from factor_cleanup.http import HttpRequest, HttpResponse, error
from factor_cleanup.report import period_report

logs.configure()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from urllib.parse import parse_qs

    request = HttpRequest.from_api_gateway(event)
    since = parse_qs(request.raw_query).get("since", ["30d"])[0]
    try:
        report = period_report(bootstrap.ledger(bootstrap.settings()), bootstrap.SystemClock(), since)
    except ValueError as exc:
        return error(400, "bad_period", str(exc)).to_api_gateway()
    return HttpResponse(200, report).to_api_gateway()
