"""The report's numbers in every form, checked against a ledger counted by hand (tests/report_ledger.py)."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

import pytest

from factor_cleanup.reports.build import build_report, parse_period, period_report, period_since, write_report
from tests.fakes import FakeLedger, FixedClock
from tests.report_ledger import (
    ATTENTION_KINDS,
    BY_ERROR_CODE,
    BY_OUTCOME,
    BY_PLATFORM,
    BY_REASON,
    BY_SERVICE,
    DELETIONS_PER_DAY,
    DOCUMENTED_COLUMNS,
    HOSTILE_IDENTITY,
    NOW,
    SERVICE_A,
    TOTAL,
    known_actions,
)

APPLIED_COLUMNS = ("reviewed_event_sid", "applied_outcome", "applied_reason_code", "applied_event_sid", "applied_at")


@pytest.fixture
def ledger() -> FakeLedger:
    fake = FakeLedger()
    for action in known_actions():
        fake.record(action)
    return fake


def produce(form: str, ledger, since: str = "7d", dlq_depth: int | None = 3, rows: int | None = None) -> str:
    period = period_since(FixedClock(NOW), since)
    out = io.StringIO()
    write_report(form, ledger.records_between(period.start, period.end), period, out, dlq_depth=dlq_depth, rows=rows)
    return out.getvalue()


class TextById(HTMLParser):
    """Text content of every element that has an id, as a person reading the page would see it."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str | None] = []
        self.text: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        if tag not in ("meta", "br", "rect", "line"):
            self.open.append(dict(attrs).get("id"))

    def handle_endtag(self, tag):
        if tag not in ("meta", "br", "rect", "line") and self.open:
            self.open.pop()

    def handle_data(self, data):
        for element in filter(None, self.open):
            self.text[element] = self.text.get(element, "") + data


def texts(page: str) -> dict[str, str]:
    parser = TextById()
    parser.feed(page)
    return parser.text


def test_json_summary_counts_every_action_of_the_period(ledger):
    report = json.loads(produce("json", ledger))
    summary = report["summary"]
    assert summary["total"] == TOTAL == len(report["actions"]) and report["actions_omitted"] == 0
    assert summary["by_outcome"] == BY_OUTCOME
    assert list(summary["by_reason"].items()) == list(BY_REASON.items())  # largest first, ties by name
    assert summary["by_error_code"] == BY_ERROR_CODE and summary["by_service"] == BY_SERVICE
    assert summary["by_platform"] == BY_PLATFORM and summary["deletions_per_day"] == DELETIONS_PER_DAY
    assert summary["dlq_depth"] == 3 and [item["kind"] for item in summary["attention"]] == ATTENTION_KINDS
    assert [row["at"] for row in report["actions"]] == sorted(row["at"] for row in report["actions"])


def test_streamed_json_is_the_same_report_as_the_in_memory_one(ledger):
    streamed = json.loads(produce("json", ledger))
    assert streamed == period_report(ledger, FixedClock(NOW), "7d", dlq_depth=3)
    assert list(streamed) == ["period", "actions", "actions_omitted", "summary"]


def test_csv_lists_every_action_with_the_same_numbers(ledger):
    rows = list(csv.DictReader(io.StringIO(produce("csv", ledger))))
    assert len(rows) == TOTAL
    assert {outcome: sum(r["outcome"] == outcome for r in rows) for outcome in BY_OUTCOME} == BY_OUTCOME
    assert sum(r["service_sid"] == SERVICE_A for r in rows) == BY_SERVICE[SERVICE_A]
    assert list(rows[0]) == [*DOCUMENTED_COLUMNS, *APPLIED_COLUMNS]
    assert [r["identity"] for r in rows if r["service_sid"] == "VA" + "b" * 32][-1] == HOSTILE_IDENTITY


def test_table_puts_attention_first_then_totals_then_actions(ledger):
    table = produce("table", ledger)
    attention, summary, actions = (table.index(h) for h in ("NEEDS ATTENTION (6)", "SUMMARY", "ACTIONS (14"))
    assert attention < summary < actions
    assert "14 events    deleted 3 · already gone 1 · would delete 2 · skipped 7 · failed 1" in table
    assert f"1. [critical] Error 52143 on {SERVICE_A}: 3 events in 7 d (apn)" in table
    assert "Dead-letter queue   3 messages" in table and "By error code      52103 7 · 52143 3" in table
    assert table.count("YF") == 13  # every action is listed; one of the 14 names no factor


def test_html_shows_the_same_totals_attention_first_and_a_chart(ledger):
    page = produce("html", ledger)
    text = texts(page)
    tiles = {
        key: text[f"tile-{key}"]
        for key in ("total", "deleted", "would_delete", "already_gone", "skipped", "failed", "dlq")
    }
    assert tiles == {
        "total": "14Events",
        "deleted": "3Deleted",
        "would_delete": "2Would delete",
        "already_gone": "1Already gone",
        "skipped": "7Skipped",
        "failed": "1Failed",
        "dlq": "3Dead-letter queue",
    }
    assert page.index('id="attention"') < page.index('id="summary"') < page.index('id="actions"')
    assert text["attention"].startswith("Needs attention (6)critical") and "3 events in 7 d" in text["attention"]
    assert page.count('<g class="bar"') == len(DELETIONS_PER_DAY) and "Actions (14)" in text["actions"]


def test_html_escapes_customer_data_and_fetches_nothing(ledger):
    page = produce("html", ledger)
    assert HOSTILE_IDENTITY not in page and "<script" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&quot;&amp;=cmd" in page
    assert "http://" not in page and "https://" not in page and "src=" not in page
    assert "default-src 'none'" in page and 'name="viewport"' in page


def test_csv_cells_survive_commas_quotes_newlines_and_cannot_become_formulas():
    ledger = FakeLedger()
    identities = ['a,"b"\nc', '=HYPERLINK("http://x")', "+1", "-2", "@sum", "plain"]
    for n, identity in enumerate(identities):
        ledger.record(_one(n, identity=identity))
    rows = list(csv.DictReader(io.StringIO(produce("csv", ledger))))
    assert [r["identity"] for r in rows] == ['a,"b"\nc', '\'=HYPERLINK("http://x")', "'+1", "'-2", "'@sum", "plain"]


def test_an_empty_period_reports_zeros_in_every_form():
    empty = FakeLedger()
    report = json.loads(produce("json", empty, since="24h", dlq_depth=0))
    assert report["actions"] == [] and report["summary"]["total"] == 0 and report["summary"]["attention"] == []
    assert set(report["summary"]["by_outcome"].values()) == {0} and report["summary"]["by_reason"] == {}
    assert [day["day"] for day in report["summary"]["deletions_per_day"]] == ["2026-11-24", "2026-11-25"]
    assert produce("csv", empty).splitlines() == [",".join((*DOCUMENTED_COLUMNS, *APPLIED_COLUMNS))]
    table = produce("table", empty, dlq_depth=None)
    assert "Nothing needs attention." in table and "(no decisions in this period)" in table
    assert "unknown (DEAD_LETTER_QUEUE_URL not set)" in table and "No deletions in this period." in table
    text = texts(produce("html", empty, dlq_depth=0))
    assert text["attention"] == "Needs attentionNothing needs attention." and text["tile-total"] == "0Events"
    assert (
        "No deletions in this period" in text["deletions-chart"] and "No decisions in this period." in text["actions"]
    )


def test_capped_rows_keep_the_newest_and_still_count_everything(ledger):
    report = json.loads(produce("json", ledger, rows=5))
    assert report["summary"]["total"] == TOTAL and report["actions_omitted"] == TOTAL - 5
    assert [row["event_sid"][-2:] for row in report["actions"]] == ["0b", "0c", "0d", "0e", "0f"]
    page = produce("html", ledger, rows=5)
    assert "Showing the latest 5 of 14 actions; 9 older ones are left out here" in page
    assert page.count('<tr class="o-') == 5


def test_actions_outside_the_period_are_left_out(ledger):
    report = json.loads(produce("json", ledger, since="24h"))
    assert [row["event_sid"][-2:] for row in report["actions"]] == ["0d", "0e", "0f"]  # 2026-11-24T12:00:01 onwards


@pytest.mark.parametrize("text, label", [("24h", "24 h"), ("7d", "7 d"), ("90m", "90 m"), ("2d", "48 h")])
def test_period_label_reads_like_the_period_asked_for(text, label):
    assert period_since(FixedClock(NOW), text).label == label


@pytest.mark.parametrize("text", ["forever", "7", "d", "0d", "-1d", "1w", ""])
def test_a_period_that_is_not_a_number_and_unit_is_refused(text):
    with pytest.raises(ValueError, match="positive number followed by d, h or m"):
        parse_period(text)


def test_unknown_format_is_refused(ledger):
    with pytest.raises(ValueError, match="not one of table, json, csv, html"):
        produce("pdf", ledger)


def test_build_report_reads_the_ledger_once(ledger):
    reads = []

    def once():
        for action in known_actions()[1:15]:
            reads.append(action.event_id)
            yield action

    report = build_report(once(), period_since(FixedClock(NOW), "7d"), keep_rows=3)
    assert len(reads) == TOTAL and report["summary"]["total"] == TOTAL and len(report["actions"]) == 3


def _one(n: int, **fields):
    from factor_cleanup.domain.decision_record import DecisionRecord

    values = {
        "event_sid": f"NO{n:032x}",
        "outcome": "deleted",
        "reason": "r",
        "reason_code": "uninstalled",
        "at": f"2026-11-25T0{n}:00:00Z",
        **fields,
    }
    return DecisionRecord(**values)


def test_report_page_for_an_unknown_form_is_a_json_404():
    from factor_cleanup.intake.http import HttpRequest
    from factor_cleanup.intake.report_page import report_page
    from factor_cleanup.local.events import api_gateway_event
    from tests.fakes import FakeLedger, FixedClock

    request = HttpRequest.from_api_gateway(api_gateway_event("GET", "/reports/cleanup.pdf"))
    page = report_page(request, FakeLedger(), None, FixedClock())
    assert page.status == 404 and json.loads(page.body)["error"] == "no_such_report"
