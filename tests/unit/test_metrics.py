"""EMF: the log lines CloudWatch turns into metrics, checked as CloudWatch would read them."""

from __future__ import annotations

import json

import pytest

from factor_cleanup.domain.messages import PushFailure
from factor_cleanup.runtime import logs
from factor_cleanup.runtime.metrics import emf_processor, emitted_metrics
from tests.conftest import FACTOR_SID, IDENTITY, SERVICE_SID
from tests.fake_app import fake_app
from tests.fakes import FakeRegistry, FakeVerify


def emf_lines(text: str) -> list[dict]:
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [line for line in lines if "_aws" in line]


def assert_valid_emf(record: dict) -> set[tuple[str, frozenset[str]]]:
    """Every metric named in a directive has a numeric value, every dimension a string value.

    Returns the (metric, dimension names) pairs CloudWatch would make of the record.
    """
    assert isinstance(record["_aws"]["Timestamp"], int)
    pairs = set()
    for directive in record["_aws"]["CloudWatchMetrics"]:
        assert directive["Namespace"] == "PushJanitor"
        for dimension_set in directive["Dimensions"]:
            for name in dimension_set:
                assert isinstance(record[name], str)
            for metric in directive["Metrics"]:
                assert isinstance(record[metric["Name"]], (int, float))
                pairs.add((metric["Name"], frozenset(dimension_set)))
    return pairs


def test_a_decision_is_logged_with_its_metric(capsys):
    logs.configure()
    service = fake_app(verify=FakeVerify({(SERVICE_SID, IDENTITY, FACTOR_SID)}), registry=FakeRegistry()).cleanup
    service.handle_push_failure(
        PushFailure(
            event_id="NO" + "1" * 32,
            source="debugger",
            error_code="52143",
            service_sid=SERVICE_SID,
            identity=IDENTITY,
            factor_sid=FACTOR_SID,
        )
    )
    [record] = emf_lines(capsys.readouterr().out)
    assert assert_valid_emf(record) == {
        ("Decisions", frozenset({"Outcome", "ReasonCode"})),
        ("ConfigurationErrors", frozenset({"Outcome", "ReasonCode"})),
        ("ConfigurationErrors", frozenset({"ErrorCode", "ServiceSid"})),
    }
    assert record["Decisions"] == 1 and record["ConfigurationErrors"] == 1
    assert (record["Outcome"], record["ReasonCode"]) == ("skipped", "configuration")
    assert (record["ErrorCode"], record["ServiceSid"]) == ("52143", SERVICE_SID)
    assert record["event_sid"] == "NO" + "1" * 32 and record["factor_sid"] == FACTOR_SID


def test_verify_latency_and_errors():
    record = emf_processor(
        None, "info", {"event": "verify_call", "operation": "delete_factor", "status": 429, "duration_ms": 12.5}
    )
    assert_valid_emf(record)
    assert record["VerifyLatency"] == 12.5 and record["VerifyErrors"] == 1 and record["Operation"] == "delete_factor"
    ok = emf_processor(
        None, "info", {"event": "verify_call", "operation": "delete_factor", "status": 204, "duration_ms": 3}
    )
    assert "VerifyErrors" not in ok


def test_other_events_are_left_alone():
    event = {"event": "poll_failed", "x": 1}
    assert emf_processor(None, "info", dict(event)) == event


def test_metrics_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("METRICS_ENABLED", "false")
    assert "_aws" not in emf_processor(None, "info", {"event": "decision", "outcome": "deleted"})


def test_a_deletion_counts_for_its_service():
    record = emf_processor(
        None,
        "info",
        {
            "event": "decision",
            "outcome": "deleted",
            "reason_code": "uninstalled",
            "service_sid": SERVICE_SID,
            "error_code": "52103",
        },
    )
    assert assert_valid_emf(record) == {
        ("Decisions", frozenset({"Outcome", "ReasonCode"})),
        ("Deletions", frozenset({"ServiceSid"})),
    }
    assert record["Deletions"] == 1 and record["ServiceSid"] == SERVICE_SID
    kept = emf_processor(None, "info", {"event": "decision", "outcome": "would_delete", "reason_code": "uninstalled"})
    assert "Deletions" not in kept and kept["Decisions"] == 1


@pytest.mark.parametrize("status, status_class", [(200, "2xx"), (202, "2xx"), (403, "4xx"), (503, "5xx"), (0, "5xx")])
def test_webhook_answers_count_by_status_class_with_their_latency(status, status_class):
    event = {"event": "webhook_answered", "route": "POST /twilio/debugger", "status": status, "duration_ms": 4.5}
    record = emf_processor(None, "info", event)
    assert assert_valid_emf(record) == {
        ("IngestResponses", frozenset({"Route", "StatusClass"})),
        ("IngestLatency", frozenset({"Route"})),
    }
    assert (record["IngestResponses"], record["IngestLatency"]) == (1, 4.5)
    assert (record["Route"], record["StatusClass"]) == ("POST /twilio/debugger", status_class)


def test_the_ingest_handler_logs_every_answer_with_its_metrics(restore_environ):
    from structlog.testing import capture_logs

    from factor_cleanup.local.events import LocalLambdaContext, api_gateway_event
    from handlers.ingest import handler

    restore_environ.pop("TWILIO_ACCOUNT_SID", None)  # misconfigured (503) or unsigned (403): answered either way
    with capture_logs() as entries:
        answer = handler(api_gateway_event("POST", "/twilio/debugger", body="x=1"), LocalLambdaContext())
    [entry] = [entry for entry in entries if entry["event"] == "webhook_answered"]
    record = emf_processor(None, "info", entry)
    assert_valid_emf(record)
    assert answer["statusCode"] == record["status"] in (403, 503)
    assert (record["Route"], record["IngestResponses"]) == ("POST /twilio/debugger", 1)
    assert record["StatusClass"] == f"{answer['statusCode'] // 100}xx"


def test_every_metric_the_processor_emits_is_declared():
    """The processor builds records from DIRECTIVES; driven by every kind of log event, it emits nothing else."""
    events = [
        {"event": "event_queued", "source": "verify"},
        {"event": "decision", "outcome": "deleted", "reason_code": "uninstalled", "service_sid": SERVICE_SID},
        {"event": "decision", "outcome": "skipped", "reason_code": "configuration", "error_code": "52143"},
        {"event": "verify_call", "operation": "delete_factor", "status": 500, "duration_ms": 1},
        {"event": "breaker_tripped"},
        {"event": "signature_rejected"},
        {"event": "breaker_allowance", "service_sid": SERVICE_SID, "factors": 500, "allowance": 100},
        {"event": "webhook_answered", "route": "POST /twilio/verify", "status": 200, "duration_ms": 1},
    ]
    emitted = set().union(*(assert_valid_emf(emf_processor(None, "info", event)) for event in events))
    assert emitted == emitted_metrics()


def test_the_ingest_function_starts_without_powertools():
    """Why the processor stays (README, Why these libraries): Powertools Metrics would add its imports to ingest's cold start."""
    import subprocess
    import sys

    from bench.cold_start import VARIANTS
    from bench.common import ROOT, child_env

    code = (
        VARIANTS["ingest"]
        + "\nimport sys\nprint(sorted({m.split('.')[0] for m in sys.modules} & {'aws_lambda_powertools', 'structlog'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout.split() == ["['structlog']"], done.stderr[-2000:]  # the log chain loaded, Powertools not


@pytest.mark.parametrize("event", ["webhook_answered", "decision", "verify_call"])
def test_the_powertools_comparison_emits_the_same_metrics(event):
    """bench/metrics_cost.py times Powertools emitting what the processor emits; a drifted stand-in would time something else."""
    from bench import metrics_cost

    assert metrics_cost.same_metrics(event)
