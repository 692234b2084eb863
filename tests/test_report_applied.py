"""Applied marks: each reviewed `would_delete` row says whether a later `apply` carried it out, and how."""

from __future__ import annotations

import csv
import io
import json

import boto3
import pytest
from moto import mock_aws

from factor_cleanup.domain.actions import Action
from factor_cleanup.adapters.aws.ledger import DynamoDbLedger
from factor_cleanup.reports.build import ledger_report, period_since
from factor_cleanup.reports.applied import APPLIED_KEYS
from tests.aws import local_aws
from tests.fake_app import fake_app
from tests.fakes import FakeLedger, FakeReportStore, FixedClock
from tests.report_ledger import NOW
from tests.test_report import DOCUMENTED_COLUMNS

REVIEWED, KEPT_ALIVE, NOT_APPLIED = "NO" + "a1" * 16, "NO" + "a2" * 16, "NO" + "a3" * 16
HELD, APPLIED, ALIVE = "NO" + "b1" * 16, "NO" + "b2" * 16, "NO" + "b3" * 16


def _action(event_sid: str, at: str, outcome: str, reason_code: str, reviewed: str | None = None) -> Action:
    return Action(event_sid=event_sid, factor_sid="YF" + event_sid[2:], service_sid="VA" + "a" * 32, identity="user-1",
                  error_code="52103", outcome=outcome, reason=f"{outcome} because {reason_code}", reason_code=reason_code,
                  at=at, reviewed_event_sid=reviewed)  # fmt: skip


def reviewed_then_applied() -> list[Action]:
    """Three reviewed would_delete rows; the first applied twice (held back by the breaker, then deleted),
    the second kept at apply time because its factor answered since, the third never applied."""
    return [
        _action(REVIEWED, "2026-11-25T08:00:00Z", "would_delete", "uninstalled"),
        _action(KEPT_ALIVE, "2026-11-25T08:01:00Z", "would_delete", "inactive"),
        _action(NOT_APPLIED, "2026-11-25T08:02:00Z", "would_delete", "uninstalled"),
        _action(HELD, "2026-11-25T10:00:00Z", "would_delete", "breaker_open", reviewed=REVIEWED),
        _action(APPLIED, "2026-11-25T11:00:00Z", "deleted", "uninstalled", reviewed=REVIEWED),
        _action(ALIVE, "2026-11-25T11:00:01Z", "skipped", "alive", reviewed=KEPT_ALIVE),
    ]


@pytest.fixture
def ledger() -> FakeLedger:
    fake = FakeLedger()
    for action in reviewed_then_applied():
        fake.record(action)
    return fake


def produce(form: str, ledger, rows: int | None = None) -> str:
    out = io.StringIO()
    ledger_report(form, ledger, period_since(FixedClock(NOW), "24h"), out, rows=rows)
    return out.getvalue()


def marks(rows: list[dict]) -> dict[str, tuple]:
    return {row["event_sid"]: tuple(row[key] or None for key in APPLIED_KEYS) for row in rows}


EXPECTED = {
    REVIEWED: ("deleted", "uninstalled", APPLIED, "2026-11-25T11:00:00Z"),  # the newest application wins
    KEPT_ALIVE: ("skipped", "alive", ALIVE, "2026-11-25T11:00:01Z"),
    NOT_APPLIED: (None,) * 4,
    HELD: (None,) * 4,  # a would_delete row nobody applied yet: the breaker held this application back
    APPLIED: (None,) * 4,
    ALIVE: (None,) * 4,
}


def test_the_dynamodb_ledger_keeps_the_reviewed_event_sid():
    with mock_aws():
        ledger = DynamoDbLedger(boto3.client("dynamodb"), local_aws().ledger_table)
        for action in reviewed_then_applied():
            ledger.record(action)
        period = period_since(FixedClock(NOW), "24h")
        assert list(ledger.actions_between(period.start, period.end)) == reviewed_then_applied()
        report = json.loads(produce("json", ledger))
    assert marks(report["actions"]) == EXPECTED


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
    header, *rows = table[table.index("ACTIONS ("):].splitlines()[1:]
    start, end = header.index("APPLIED"), header.index("CODE")
    assert {row[13:21]: row[start:end].strip() for row in rows} == {
        "08:00:00": "deleted", "08:01:00": "skipped: alive", "08:02:00": "not applied",
        "10:00:00": "not applied", "11:00:00": "-", "11:00:01": "-"}  # fmt: skip
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
