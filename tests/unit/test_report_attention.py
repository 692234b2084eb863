""" "Needs attention": what is listed, in which order, and what it tells ops to do."""

from __future__ import annotations

import pytest

from factor_cleanup.domain.decision_record import DecisionRecord
from factor_cleanup.reports import attention as report_attention
from factor_cleanup.reports.build import build_report, period_since
from tests.fakes import FixedClock
from tests.report_ledger import NOW, SERVICE_A, SERVICE_B, known_actions


def attention(actions, dlq_depth=None, since="7d"):
    return build_report(actions, period_since(FixedClock(NOW), since), keep_rows=0, dlq_depth=dlq_depth)["summary"][
        "attention"
    ]


def config_error(n: int, code: str | None, service: str = SERVICE_A, platform: str = "apn", **fields) -> DecisionRecord:
    return DecisionRecord(
        event_sid=f"NO{n:032x}",
        service_sid=service,
        error_code=code,
        outcome="skipped",
        reason_code="configuration",
        reason="configuration",
        at=f"2026-11-25T{n % 10:02d}:00:00Z",
        platform=platform,
        **fields,
    )


def test_a_configuration_surge_is_one_item_per_code_and_service_with_advice_for_that_code():
    actions = [config_error(n, "52143") for n in range(1204)] + [config_error(2000, "52109", SERVICE_B, "fcm")]
    first, second = attention(actions, since="24h")
    assert first["title"] == f"Error 52143 on {SERVICE_A}: 1,204 events in 24 h (apn)"
    assert "bundle id" in first["advice"] and "nothing was deleted" in first["advice"]
    assert (first["severity"], first["count"], first["error_code"], first["service_sid"]) == (
        "critical",
        1204,
        "52143",
        SERVICE_A,
    )
    assert second["title"].startswith("Error 52109 on " + SERVICE_B) and "FCM" in second["advice"]
    assert (first["first_at"], first["last_at"]) == ("2026-11-25T00:00:00Z", "2026-11-25T09:00:00Z")


def test_a_credential_failure_without_a_code_falls_back_to_the_policy_advice():
    [item] = attention([config_error(1, None, platform=None)], since="24h")
    assert item["title"] == f"Credential failure on {SERVICE_A}: 1 event in 24 h"
    assert item["advice"].startswith("check the push credential") and item["error_code"] is None


@pytest.mark.parametrize("depth, listed", [(None, False), (0, False), (1, True)])
def test_the_dead_letter_queue_is_listed_only_when_it_holds_messages(depth, listed):
    items = attention([], dlq_depth=depth)
    assert [item["title"] for item in items] == (["1 message in the dead-letter queue"] if listed else [])


def test_critical_items_come_before_warnings_and_information():
    items = attention(known_actions(), dlq_depth=7)
    assert [item["severity"] for item in items] == ["critical", "critical", "warning", "warning", "info", "info"]
    assert items[1]["title"] == f"1 decision failed on {SERVICE_B}: Verify refused the request"
    assert items[1]["example_reason"] == "Verify refused the DELETE: HTTP 403 (20003)"


def test_decisions_of_no_concern_are_not_listed():
    quiet = [
        a
        for a in known_actions()
        if a.reason_code in ("uninstalled", "transient", "ambiguous_ids") and a.outcome != "would_delete"
    ]
    assert quiet and attention(quiet) == []


def test_a_new_safety_limit_is_counted_by_adding_its_reason_code(monkeypatch):
    """The extension point issue 5's limits use: a reason code in HELD_BACK makes each such decision an item."""
    held = config_error(1, "52103", platform="fcm").model_copy(update={"reason_code": "daily_cap", "reason": "cap"})
    assert attention([held], since="24h") == []
    monkeypatch.setitem(report_attention.HELD_BACK, "daily_cap", "the daily deletion cap was reached")
    [item] = attention([held], since="24h")
    assert item["kind"] == "held_back" and item["reason_code"] == "daily_cap" and item["severity"] == "warning"
    assert item["title"] == f"1 deletion held back (daily_cap) on {SERVICE_A}"
    assert item["advice"] == "the daily deletion cap was reached"
