"""EMF: the log lines CloudWatch turns into metrics, checked as CloudWatch would read them."""

from __future__ import annotations

import json

from factor_cleanup import logs
from factor_cleanup.cleanup import CleanupService
from factor_cleanup.messages import PushFailure
from factor_cleanup.metrics import emf_processor
from factor_cleanup.policy import ErrorCodePolicy
from tests.conftest import FACTOR_SID, IDENTITY, SERVICE_SID
from tests.fakes import FakeLedger, FakeVerify, FixedClock


def emf_lines(text: str) -> list[dict]:
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [line for line in lines if "_aws" in line]


def assert_valid_emf(record: dict) -> None:
    """Every metric named in the directive has a numeric value, every dimension a string value."""
    [directive] = record["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "PushJanitor" and isinstance(record["_aws"]["Timestamp"], int)
    for metric in directive["Metrics"]:
        assert isinstance(record[metric["Name"]], (int, float))
    for dimension_set in directive["Dimensions"]:
        for name in dimension_set:
            assert isinstance(record[name], str)


def test_a_decision_is_logged_with_its_metric(capsys):
    logs.configure()
    service = CleanupService(FakeLedger(), FakeVerify({(SERVICE_SID, IDENTITY, FACTOR_SID)}), FixedClock(),
                             ErrorCodePolicy(), frozenset({SERVICE_SID}), "delete")  # fmt: skip
    service.handle_push_failure(PushFailure(event_id="NO" + "1" * 32, source="debugger", error_code="52143",
                                            service_sid=SERVICE_SID, identity=IDENTITY, factor_sid=FACTOR_SID))  # fmt: skip
    [record] = emf_lines(capsys.readouterr().out)
    assert_valid_emf(record)
    assert record["Decisions"] == 1 and record["ConfigurationErrors"] == 1
    assert (record["Outcome"], record["ReasonCode"]) == ("skipped", "configuration")
    assert record["event_sid"] == "NO" + "1" * 32 and record["factor_sid"] == FACTOR_SID


def test_verify_latency_and_errors():
    record = emf_processor(None, "info", {"event": "verify_call", "operation": "delete_factor", "status": 429, "duration_ms": 12.5})
    assert_valid_emf(record)
    assert record["VerifyLatency"] == 12.5 and record["VerifyErrors"] == 1 and record["Operation"] == "delete_factor"
    ok = emf_processor(None, "info", {"event": "verify_call", "operation": "delete_factor", "status": 204, "duration_ms": 3})
    assert "VerifyErrors" not in ok


def test_other_events_are_left_alone():
    event = {"event": "poll_failed", "x": 1}
    assert emf_processor(None, "info", dict(event)) == event


def test_metrics_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("METRICS_ENABLED", "false")
    assert "_aws" not in emf_processor(None, "info", {"event": "decision", "outcome": "deleted"})
