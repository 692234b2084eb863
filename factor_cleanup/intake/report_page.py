"""A cleanup report asked for over HTTP (`GET /reports/cleanup.{json,csv,html}?since=7d&rows=N`)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from urllib.parse import parse_qs

from factor_cleanup.domain.ports import Clock, Ledger, QueueStats
from factor_cleanup.intake.http import HttpRequest, error
from factor_cleanup.reports.build import MEDIA_TYPES, ledger_report, period_since
from factor_cleanup.reports.html import REPORT_CSP

FORMS = ("json", "csv", "html")


@dataclass(frozen=True)
class ReportPage:
    status: int
    headers: dict[str, str]
    body: str

    def to_api_gateway(self) -> dict[str, object]:
        return {"statusCode": self.status, "headers": self.headers, "body": self.body}


@dataclass(frozen=True)
class ReportPages:
    """The report routes over one ledger: what the local stack's report function serves."""

    ledger: Ledger
    stats: QueueStats | None
    clock: Clock

    def handle(self, request: HttpRequest) -> ReportPage:
        return report_page(request, self.ledger, self.stats, self.clock)


def report_page(request: HttpRequest, ledger: Ledger, stats: QueueStats | None, clock: Clock) -> ReportPage:
    """The report in the form the path names; a 404 or 400 naming what is wrong otherwise."""
    form = request.route_key.rpartition(".")[2]
    if form not in FORMS:
        return _error(404, "no_such_report", f"ask for /reports/cleanup.{{{','.join(FORMS)}}}")
    query = parse_qs(request.raw_query)
    try:
        period = period_since(clock, query.get("since", ["30d"])[0])
    except ValueError as exc:
        return _error(400, "bad_period", str(exc))
    rows_text = query.get("rows", [None])[0]
    if rows_text is not None and not rows_text.isdigit():
        return _error(400, "bad_rows", f"rows {rows_text!r} is not a whole number of actions to include (0 or more)")
    out = io.StringIO()
    rows = int(rows_text) if rows_text is not None else None
    ledger_report(form, ledger, period, out, dlq_depth=stats.dlq_depth() if stats else None, rows=rows)
    return ReportPage(200, _headers(form), out.getvalue())


def _error(status: int, code: str, message: str) -> ReportPage:
    return ReportPage(status, {"Content-Type": "application/json"}, json.dumps(error(status, code, message).body))


def _headers(form: str) -> dict[str, str]:
    headers = {"Content-Type": MEDIA_TYPES[form], "Cache-Control": "no-store"}
    if form == "csv":
        headers["Content-Disposition"] = 'attachment; filename="cleanup-report.csv"'
    if form == "html":
        headers["Content-Security-Policy"] = REPORT_CSP
    return headers
