"""The cleanup report: what push-janitor decided in a period and what needs attention, as table, JSON, CSV or HTML.

Every form comes from one pass over the ledger (`build_report`): counts cover every action, rows go to
streaming sinks (CSV, JSON) as they are read, and only the newest rows a page can show are kept in memory.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TextIO

from factor_cleanup.domain.decision_record import DecisionRecord
from factor_cleanup.domain.ports import Clock, Ledger
from factor_cleanup.reports.applied import Applications, applications_in
from factor_cleanup.reports.attention import attention_items, attention_key
from factor_cleanup.reports.html import render_html
from factor_cleanup.reports.sinks import CsvSink, JsonSink, Sink
from factor_cleanup.reports.table import render_table
from factor_cleanup.reports.tally import Period, Tally

__all__ = [
    "FORMATS",
    "Period",
    "build_report",
    "cleanup_report",
    "day_period",
    "ledger_report",
    "parse_period",
    "period_report",
    "period_since",
    "render_html",
    "render_table",
    "write_report",
]

FORMATS = ("table", "json", "csv", "html")
TABLE_ROWS = 50  # a terminal screen or two; the CSV has every row
HTML_ROWS = 1000  # enough to scroll through on a phone; the counts still cover every action
MEDIA_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8", "html": "text/html; charset=utf-8"}
MEDIA_TYPES["table"] = "text/plain; charset=utf-8"


def parse_period(text: str) -> timedelta:
    """`7d`, `24h`, `90m` -> a timedelta; raises ValueError with the accepted forms."""
    units = {"d": "days", "h": "hours", "m": "minutes"}
    text = text.strip().lower()
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit() or int(text[:-1]) == 0:
        raise ValueError(f"period {text!r} is not a positive number followed by d, h or m (e.g. 7d, 24h)")
    return timedelta(**{units[text[-1]]: int(text[:-1])})


def period_since(clock: Clock, since: str) -> Period:
    """The last `since`, up to and including the current second."""
    end = clock.now() + timedelta(seconds=1)
    return Period(end - parse_period(since), end)


def day_period(day: date) -> Period:
    """One whole UTC day."""
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return Period(start, start + timedelta(days=1))


def build_report(
    actions: Iterable[DecisionRecord],
    period: Period,
    *,
    keep_rows: int | None = None,
    dlq_depth: int | None = None,
    sinks: Sequence[Sink] = (),
    applications: Applications | None = None,
) -> dict[str, Any]:
    """Read the actions once: count them all, hand each row to every sink, keep the newest `keep_rows` (None: all).

    Kept rows are marked with the applications of the period read here; rows handed to sinks are written at
    once, so their marks come from `applications`, read beforehand (`applications_in`).
    """
    tally = Tally(period, attention_key)
    kept: deque[dict[str, Any]] = deque(maxlen=keep_rows)
    streamed = applications or Applications()
    seen = Applications()
    for sink in sinks:
        sink.start(period)
    for action in actions:
        tally.add(action)
        seen.note(action)
        if keep_rows != 0 or sinks:
            row = action.model_dump(by_alias=True)  # the documented keys: event_sid, binding_type, …
            kept.append(row)
            for sink in sinks:
                sink.row(streamed.mark(dict(row)))
    for row in kept:
        seen.mark(row)
    summary = tally.summary()
    summary["dlq_depth"] = dlq_depth
    summary["attention"] = attention_items(tally.groups, period, dlq_depth)
    report = {
        "period": period.to_dict(),
        "actions": list(kept),
        "actions_omitted": tally.total - len(kept),
        "summary": summary,
    }
    for sink in sinks:
        sink.finish(report)
    return report


def cleanup_report(
    actions: Iterable[DecisionRecord],
    start: datetime,
    end: datetime,
    *,
    dlq_depth: int | None = None,
    max_rows: int | None = None,
) -> dict[str, Any]:
    """The report as one dict (`actions` oldest first, newest `max_rows` of them when given)."""
    return build_report(actions, Period(start, end), keep_rows=max_rows, dlq_depth=dlq_depth)


def period_report(
    ledger: Ledger, clock: Clock, since: str, *, dlq_depth: int | None = None, max_rows: int | None = None
) -> dict[str, Any]:
    """The report for the last `since` (e.g. `7d`), up to and including the current second."""
    period = period_since(clock, since)
    return build_report(
        ledger.records_between(period.start, period.end), period, keep_rows=max_rows, dlq_depth=dlq_depth
    )


def streams(form: str, rows: int | None) -> bool:
    """CSV, and JSON unless `rows` caps it, write every row as it is read."""
    return form == "csv" or (form == "json" and rows is None)


def ledger_report(
    form: str, ledger: Ledger, period: Period, out: TextIO, *, dlq_depth: int | None = None, rows: int | None = None
) -> dict[str, Any]:
    """`write_report` over the ledger; a streamed form reads the period twice, first for its applications."""
    applications = applications_in(ledger.records_between(period.start, period.end)) if streams(form, rows) else None
    actions = ledger.records_between(period.start, period.end)
    return write_report(form, actions, period, out, dlq_depth=dlq_depth, rows=rows, applications=applications)


def write_report(
    form: str,
    actions: Iterable[DecisionRecord],
    period: Period,
    out: TextIO,
    *,
    dlq_depth: int | None = None,
    rows: int | None = None,
    applications: Applications | None = None,
) -> dict[str, Any]:
    """Write one form to `out`; streamed forms (`streams`) mark applied rows from `applications` only.

    Returns the report dict; its `actions` holds only the rows kept in memory (none when the form streamed them).
    """
    if streams(form, rows):
        sink = CsvSink(out) if form == "csv" else JsonSink(out)
        return build_report(actions, period, keep_rows=0, dlq_depth=dlq_depth, sinks=[sink], applications=applications)
    default = {"json": None, "html": HTML_ROWS, "table": TABLE_ROWS}
    if form not in default:
        raise ValueError(f"format {form!r} is not one of {', '.join(FORMATS)}")
    report = build_report(actions, period, keep_rows=default[form] if rows is None else rows, dlq_depth=dlq_depth)
    text = {"json": lambda r: json.dumps(r), "html": render_html, "table": render_table}[form](report)
    out.write(text if text.endswith("\n") else text + "\n")
    return report
