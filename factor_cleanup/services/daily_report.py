"""The daily report: yesterday's JSON, CSV and HTML written to the report store, and the summary sent to ops."""

from __future__ import annotations

import io
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from typing import Any, BinaryIO

from factor_cleanup.domain.ports import Clock, Ledger, Notifier, QueueStats, ReportStore
from factor_cleanup.reports.applied import applications_in
from factor_cleanup.reports.build import HTML_ROWS, MEDIA_TYPES, build_report, day_period, render_html
from factor_cleanup.reports.sinks import CsvSink, JsonSink
from factor_cleanup.reports.table import render_summary_text

SPOOL_BYTES = 8 * 1024 * 1024  # smaller reports never touch /tmp; larger ones spill to it instead of to memory


@dataclass
class DailyReport:
    ledger: Ledger
    store: ReportStore
    clock: Clock
    queue_stats: QueueStats | None = None
    notifier: Notifier | None = None
    html_rows: int = HTML_ROWS

    def yesterday(self) -> date:
        """The last complete UTC day: the schedule runs shortly after midnight."""
        return (self.clock.now().astimezone(UTC) - timedelta(days=1)).date()

    def run(self, day: date | None = None) -> dict[str, Any]:
        """One read of the ledger feeds all three files (after one for the applied marks); a rerun overwrites them."""
        day = day or self.yesterday()
        period = day_period(day)
        depth = self.queue_stats.dlq_depth() if self.queue_stats else None
        prefix = f"reports/{day.isoformat()}/cleanup"
        with ExitStack() as files:
            json_file, csv_file = (files.enter_context(_spool()) for _ in range(2))
            with _text(json_file) as json_out, _text(csv_file) as csv_out:
                applications = applications_in(self.ledger.records_between(period.start, period.end))
                actions = self.ledger.records_between(period.start, period.end)
                report = build_report(
                    actions,
                    period,
                    keep_rows=self.html_rows,
                    dlq_depth=depth,
                    sinks=[JsonSink(json_out), CsvSink(csv_out)],
                    applications=applications,
                )
            html_file = io.BytesIO(render_html(report).encode("utf-8"))
            uploads = {"json": json_file, "csv": csv_file, "html": html_file}
            locations = {
                form: self.store.put(f"{prefix}.{form}", body, MEDIA_TYPES[form]) for form, body in uploads.items()
            }
        attention = report["summary"]["attention"]
        if self.notifier:
            opener = self.store.open_command(locations["html"])
            self.notifier.send(_subject(day, attention), summary_message(day, report, locations, opener))
        return {
            "day": day.isoformat(),
            "total": report["summary"]["total"],
            "attention": len(attention),
            "locations": locations,
        }


def _subject(day: date, attention: list[dict[str, Any]]) -> str:
    status = f"{len(attention)} item(s) need attention" if attention else "nothing needs attention"
    return f"push-janitor cleanup report {day.isoformat()}: {status}"


def summary_message(day: date, report: dict[str, Any], locations: dict[str, str], opener: str) -> str:
    """Counts and attention items only: no identities leave AWS by email, and no link that would open them."""
    files = "\n".join(f"  {form.upper():<5} {location}" for form, location in locations.items())
    return (
        f"push-janitor cleanup report for {day.isoformat()} (UTC)\n\n{render_summary_text(report)}\n\n"
        f"Open the day's page (the command prints a link to open in a browser):\n  {opener}\n\n"
        f"Full report:\n{files}\n"
    )


def _spool() -> Any:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+b")


class _text:
    """A UTF-8 text view of a binary file that, on exit, flushes and rewinds it for upload instead of closing it."""

    def __init__(self, binary: BinaryIO) -> None:
        self._binary = binary
        self._wrapper = io.TextIOWrapper(binary, encoding="utf-8", newline="")

    def __enter__(self) -> io.TextIOWrapper:
        return self._wrapper

    def __exit__(self, *exc: object) -> None:
        self._wrapper.flush()
        self._wrapper.detach()
        self._binary.seek(0)
