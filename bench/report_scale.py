"""Item 5: time and peak memory of the cleanup report over 1,000,000 ledger rows.

Each report form runs in a fresh interpreter: the real `DynamoDbLedger.records_between` reads pages from
a stand-in DynamoDB client that generates the day index's pages on demand (items shaped exactly as
`DynamoDbLedger.record` writes them, ~1 MB pages like DynamoDB's), and `report.write_report` writes the
form into a stream that counts and discards. Peak memory is the process's peak RSS minus its RSS just
before the report started. moto is not used: loading a million items into it would take the whole budget.
"""

from __future__ import annotations

import json
import math
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import ROOT, SERVICE_SID, Result, child_env, python

TITLE = "Report over 1,000,000 ledger rows"
FORMS = ("json", "table")  # csv streams like json; table is the CLI's default form
DAYS = 30
PAGE_BYTES = 1024 * 1024  # DynamoDB returns at most 1 MB of items per Query page
OUTCOMES = (
    ("deleted", "uninstalled"),
    ("skipped", "unmanaged_service"),
    ("deleted", "uninstalled"),
    ("would_delete", "uninstalled"),
    ("already_gone", "uninstalled"),
    ("deleted", "uninstalled"),
    ("skipped", "configuration"),
    ("failed", "verify_rejected"),
)


class CountingStream:
    """A text stream that keeps nothing: what a socket or an S3 upload part would take away."""

    def __init__(self) -> None:
        self.chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)

    def flush(self) -> None:
        pass


class GeneratedDayIndex:
    """The boto3 client surface `DynamoDbLedger` reads (get_paginator("query")), over `rows` generated actions."""

    def __init__(self, rows: int, start: datetime, end: datetime) -> None:
        from factor_cleanup.adapters.aws.ledger import DynamoDbLedger
        from factor_cleanup.domain.decision_record import DecisionRecord

        self.rows, self._start, self._step = rows, start, (end - start) / rows
        captured: list[dict[str, Any]] = []
        writer = type("Capture", (), {"put_item": lambda _self, **kw: captured.append(kw["Item"])})()
        model = DecisionRecord(
            event_sid="NO" + "0" * 32,
            factor_sid="YF" + "0" * 32,
            service_sid=SERVICE_SID,
            identity="user-000000",
            error_code="52103",
            outcome="deleted",
            reason_code="uninstalled",
            reason="error 52103: the push provider reports the app uninstalled",
            at="2026-11-25T12:00:00Z",
            source="debugger",
            platform="fcm",
        )
        DynamoDbLedger(writer, "ledger").record(model)
        self._model = captured[0]
        self._per_page = max(1, PAGE_BYTES // len(json.dumps(self._model)))
        self.pages = 0

    def get_paginator(self, operation: str) -> GeneratedDayIndex:
        assert operation == "query"
        return self

    def paginate(self, ExpressionAttributeValues: dict[str, Any], **_: Any) -> Iterator[dict[str, Any]]:
        day = datetime.fromisoformat(ExpressionAttributeValues[":day"]["S"]).replace(tzinfo=UTC)
        offset = (day - self._start) / self._step - 0.5  # row i is at start + (i + 0.5) * step
        first = max(0, math.ceil(offset))
        last = min(self.rows, max(0, math.ceil(offset + timedelta(days=1) / self._step)))
        for page_start in range(first, last, self._per_page):
            self.pages += 1
            yield {"Items": [self._item(i) for i in range(page_start, min(last, page_start + self._per_page))]}

    def _item(self, i: int) -> dict[str, Any]:
        at = (self._start + (i + 0.5) * self._step).strftime("%Y-%m-%dT%H:%M:%SZ")
        outcome, reason_code = OUTCOMES[i % len(OUTCOMES)]
        return dict(
            self._model,
            event_sid={"S": f"NO{i:032x}"},
            factor_sid={"S": f"YF{i:032x}"},
            identity={"S": f"user-{i % 200_000:06d}"},
            at={"S": at},
            day={"S": at[:10]},
            outcome={"S": outcome},
            reason_code={"S": reason_code},
        )


def _memory_kb() -> tuple[int, int]:
    """(current RSS, peak RSS) of this process in KB. /proc/self/status, not getrusage: on Linux ru_maxrss
    carries over across exec, so a child would report the (forked) parent's peak."""
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines())
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
    except (OSError, KeyError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak, peak


def _reset_peak() -> None:
    """Start the peak RSS afresh from the current RSS (Linux clear_refs 5), so imports' transients don't count."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as control:
            control.write("5")
    except OSError:
        pass


def child(form: str, rows: int) -> dict[str, Any]:
    """Run one report form over `rows` generated ledger rows in this process; return time and memory."""
    from factor_cleanup.adapters.aws.ledger import DynamoDbLedger
    from factor_cleanup.reports.build import Period, write_report

    end = datetime(2026, 11, 25, tzinfo=UTC)
    start = end - timedelta(days=DAYS)
    index = GeneratedDayIndex(rows, start, end)
    ledger = DynamoDbLedger(index, "ledger")
    out = CountingStream()
    _reset_peak()
    baseline = _memory_kb()[0]
    started, cpu = time.perf_counter(), time.process_time()
    report = write_report(form, ledger.records_between(start, end), Period(start, end), out)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "form": form,
        "rows": rows,
        "counted": report["summary"]["total"],
        "seconds": seconds,
        "cpu": cpu,
        "peak_mb": (_memory_kb()[1] - baseline) / 1024,
        "baseline_mb": baseline / 1024,
        "output_mb": out.chars / 1e6,
        "pages": index.pages,
    }


def run(quick: bool = False) -> Result:
    try:
        from factor_cleanup.reports import build as report

        missing = [name for name in ("write_report", "Period") if not hasattr(report, name)]
    except ImportError as exc:
        missing = [str(exc)]
    if missing:
        from bench.common import unavailable

        return unavailable("report", TITLE, f"factor_cleanup.reports.build lacks {', '.join(missing)}")
    rows = 100_000 if quick else 1_000_000
    runs = [_child_run(form, rows) for form in FORMS]
    small = _child_run("json", rows // 10)  # the same form at a tenth of the rows: memory must not follow
    main = next(r for r in runs if r["form"] == "json")
    result = Result("report", TITLE if not quick else f"Report over {rows:,} ledger rows")  # the issue sets no target
    result.figure = f"json {main['seconds']:.1f} s ({main['rows'] / main['seconds'] / 1000:.0f}k rows/s), peak +{main['peak_mb']:.0f} MB"
    result.floor = f"{small['rows']:,} rows: +{small['peak_mb']:.0f} MB"
    result.met = None if all(r["counted"] == r["rows"] for r in [*runs, small]) else False
    result.data.update(runs=runs, small=small)
    result.say(f"{rows:,} actions over {DAYS} days, read through DynamoDbLedger.records_between in ~1 MB pages")
    for r in [*runs, small]:
        result.say(
            f"  {r['form']:5s} {r['rows']:>9,} rows: {r['seconds']:6.1f} s ({r['cpu']:.1f} s CPU, "
            f"{r['rows'] / r['seconds']:,.0f} rows/s), peak memory +{r['peak_mb']:.0f} MB over "
            f"{r['baseline_mb']:.0f} MB, output {r['output_mb']:.0f} MB, {r['pages']} pages"
        )
    result.say(
        "json streams every row and table keeps the newest 50, so memory is about one ~1 MB page of items "
        "(as Python objects), whatever the row count. The local HTTP handler buffers its body in a StringIO, "
        "and a Lambda response is capped at 6 MB: a 1M-row report is for the CLI or S3, not the HTTP route"
    )
    return result


def _child_run(form: str, rows: int) -> dict[str, Any]:
    done = subprocess.run(
        [python(), "-m", "bench.report_scale", form, str(rows)],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        raise RuntimeError(f"report child ({form}, {rows} rows) failed: {done.stderr[-1500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    if len(sys.argv) == 3:
        print(json.dumps(child(sys.argv[1], int(sys.argv[2]))))
    else:
        from bench.__main__ import main

        main(["--only", "report"])
