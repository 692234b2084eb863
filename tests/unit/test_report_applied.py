"""Applied marks: each reviewed `would_delete` row says whether a later `apply` carried it out, and how."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.fake_app import fake_app
from tests.fakes import FakeLedger, FakeReportStore, FixedClock
from tests.report_ledger import DOCUMENTED_COLUMNS, NOW
from tests.support.report_applied import (
    ALIVE,
    APPLIED,
    EXPECTED,
    KEPT_ALIVE,
    REVIEWED,
    marks,
    produce,
    reviewed_then_applied,
)


@pytest.fixture
def ledger() -> FakeLedger:
    fake = FakeLedger()
    for action in reviewed_then_applied():
        fake.record(action)
    return fake


@pytest.mark.parametrize("rows", [None, 10])  # streamed, and kept in memory
def test_json_marks_each_would_delete_row_with_its_application(ledger, rows):
    report = json.loads(produce("json", ledger, rows=rows))
    assert marks(report["actions"]) == EXPECTED
    by_sid = {row["event_sid"]: row for row in report["actions"]}
    assert by_sid[APPLIED]["reviewed_event_sid"] == REVIEWED and by_sid[REVIEWED]["reviewed_event_sid"] is None
    assert by_sid[REVIEWED]["outcome"] == "would_delete"  # the reviewed decision itself is unchanged
    assert report["summary"]["by_outcome"]["would_delete"] == 4


def test_csv_adds_the_marks_after_the_documented_columns(ledger):
    rows = list(csv.DictReader(io.StringIO(produce("csv", ledger))))
    assert list(rows[0])[: len(DOCUMENTED_COLUMNS)] == list(DOCUMENTED_COLUMNS)
    assert marks(rows) == EXPECTED
    assert {row["event_sid"]: row["reviewed_event_sid"] for row in rows}[ALIVE] == KEPT_ALIVE


def test_table_and_page_say_applied_or_not(ledger):
    table = produce("table", ledger)
    header, *rows = table[table.index("ACTIONS (") :].splitlines()[1:]
    start, end = header.index("APPLIED"), header.index("CODE")
    assert {row[13:21]: row[start:end].strip() for row in rows} == {
        "08:00:00": "deleted",
        "08:01:00": "skipped: alive",
        "08:02:00": "not applied",
        "10:00:00": "not applied",
        "11:00:00": "-",
        "11:00:01": "-",
    }
    page = produce("html", ledger)
    assert page.count('<span class="mark applied">applied: deleted</span>') == 1
    assert page.count('<span class="mark applied">applied: skipped: alive</span>') == 1
    assert page.count('<span class="mark pending">not applied</span>') == 2  # NOT_APPLIED and HELD
    assert f"applies {REVIEWED}" in page and f"applies {KEPT_ALIVE}" in page


def test_the_daily_report_files_carry_the_marks(ledger):
    store = FakeReportStore()
    fake_app(ledger=ledger, report_store=store, clock=FixedClock(NOW)).daily_report.run(NOW.date())
    rows = list(csv.DictReader(io.StringIO(store.text("reports/2026-11-25/cleanup.csv"))))
    assert marks(rows) == EXPECTED
    assert marks(json.loads(store.text("reports/2026-11-25/cleanup.json"))["actions"]) == EXPECTED
    assert "applied: deleted" in store.text("reports/2026-11-25/cleanup.html")
