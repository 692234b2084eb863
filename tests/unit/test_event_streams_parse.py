"""Reading Event Streams batches: error logs become the same push failures as Debugger webhooks."""

from __future__ import annotations

import json

import pytest

from factor_cleanup.intake.debugger import MalformedEvent, parse_debugger_form, to_push_failure
from factor_cleanup.intake.event_streams import parse_batch
from tests.conftest import FACTOR_SID, IDENTITY, SERVICE_SID, debugger_params
from tests.support.event_streams import NO_SID, error_log


def test_error_log_becomes_the_same_failure_as_the_debugger_event():
    batch = parse_batch(json.dumps([error_log()]))
    [failure] = batch.failures
    from_debugger = to_push_failure(parse_debugger_form(debugger_params()))
    assert failure.event_id == from_debugger.event_id == NO_SID  # decided once across both sources
    assert (failure.service_sid, failure.identity, failure.factor_sid) == (SERVICE_SID, IDENTITY, FACTOR_SID)
    assert failure.error_code == "52103" and failure.source == "event_streams"


def test_payload_holding_the_product_details_directly_is_read():
    details = json.loads(debugger_params()["Payload"])["more_info"]
    [failure] = parse_batch(json.dumps([error_log(payload=details)])).failures
    assert failure.factor_sid == FACTOR_SID and failure.error_code == "52103"


def test_other_event_types_and_non_push_errors_are_ignored():
    other = {"specversion": "1.0", "type": "com.twilio.messaging.message.delivered", "id": "ce-2", "data": {}}
    sms = error_log("ce-3", payload={"resource_sid": "SM" + "0" * 32, "error_code": "30008"})
    batch = parse_batch(json.dumps([other, sms]))
    assert batch.failures == [] and batch.ignored == ["ce-2", "ce-3"] and batch.rejected == []


def test_a_partially_bad_batch_keeps_the_good_events_and_names_the_bad():
    bad_payload = error_log("ce-bad", payload=None, sid="NO" + "e" * 32)
    bad_payload["data"]["payload"] = "{not json"
    batch = parse_batch(json.dumps([error_log(), {"type": "x"}, bad_payload, "not an object"]))
    assert [f.event_id for f in batch.failures] == [NO_SID]
    assert [r["id"] for r in batch.rejected] == ["#1", "ce-bad", "#3"]
    assert "payload" in batch.rejected[1]["error"]


def test_error_log_without_a_valid_sid_is_rejected():
    batch = parse_batch(json.dumps([error_log(sid="nope")]))
    assert batch.failures == [] and "Sid" in batch.rejected[0]["error"]


@pytest.mark.parametrize("body", ["{not json", "42", json.dumps([{}] * 501)])
def test_unreadable_body_is_malformed(body):
    with pytest.raises(MalformedEvent):
        parse_batch(body)


def test_a_single_unbatched_event_is_accepted():
    assert len(parse_batch(json.dumps(error_log())).failures) == 1
