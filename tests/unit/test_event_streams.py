"""POST /twilio/events and the Kinesis sink: error logs reach the same queue, decided once with Debugger copies."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from factor_cleanup.intake.http import HttpRequest
from factor_cleanup.local.events import api_gateway_event
from tests.conftest import FACTOR_SID
from tests.fake_app import fake_app, settings
from tests.fakes import FakeQueue
from tests.support.debugger import make_service
from tests.support.event_streams import NO_SID, error_log, post


def test_a_signed_batch_is_queued_and_the_answer_lists_each_event():
    service, queue = make_service()
    other = {"specversion": "1.0", "type": "com.twilio.messaging.message.sent", "id": "ce-other", "data": {}}
    status, body = post(service, [error_log(), other, {"type": "broken"}])
    assert status == 200 and body["queued"] == [NO_SID] and body["ignored"] == ["ce-other"]
    assert [r["id"] for r in body["rejected"]] == ["#2"]
    [message] = queue.sent
    assert message.event_id == NO_SID and message.source == "event_streams" and message.factor_sid == FACTOR_SID


def test_the_same_delivery_twice_is_acknowledged_twice_with_the_same_idempotency_key():
    service, queue = make_service()
    assert post(service, [error_log()])[0] == 200 and post(service, [error_log()])[0] == 200
    assert {m.event_id for m in queue.sent} == {NO_SID}  # the worker decides it once


def test_forged_or_unhashed_batches_are_refused():
    service, queue = make_service()
    assert post(service, [error_log()], token="wrong")[0] == 403
    event = api_gateway_event(
        "POST", "/twilio/events", body="[]", headers={"Content-Type": "application/json", "X-Twilio-Signature": "x"}
    )
    response = service.handle(HttpRequest.from_api_gateway(event))
    assert response.status == 403 and "bodySHA256" in response.body["message"] and not queue.sent


def test_another_accounts_error_log_is_rejected_by_name():
    service, queue = make_service()
    status, body = post(service, [error_log(account_sid="AC" + "9" * 32)])
    assert status == 200 and body["queued"] == [] and "not ours" in body["rejected"][0]["error"] and not queue.sent


def test_unreadable_body_is_a_400_and_queue_down_a_503():
    service, _ = make_service()
    assert post(service, None, body="{nope")[0] == 400
    down, _ = make_service(queue=FakeQueue(down=True))
    assert post(down, [error_log()])[0] == 503


def test_kinesis_records_are_queued_like_webhook_events():
    queue = FakeQueue()
    intake = fake_app(work_queue=queue).kinesis
    assert intake.handle_record(json.dumps(error_log()).encode()) == 1
    assert intake.handle_record(json.dumps([error_log("ce-2", sid="NO" + "e" * 32)]).encode()) == 1
    assert intake.handle_record(b"\xff not json") == 0
    assert intake.handle_record(json.dumps(error_log(account_sid="AC" + "9" * 32)).encode()) == 0
    assert [m.event_id for m in queue.sent] == [NO_SID, "NO" + "e" * 32]


def test_kinesis_function_reports_records_it_could_not_queue():
    from factor_cleanup.local.verify_emulator import DEMO_ACCOUNT_SID

    config = settings(twilio_account_sid=DEMO_ACCOUNT_SID)  # the sample's account
    event = json.loads(Path("events/kinesis-error-logs.json").read_text())
    response = fake_app(config, work_queue=FakeQueue(down=True)).kinesis.handle_batch(event, None)
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["kinesis"]["sequenceNumber"]}]}
    queue = FakeQueue()
    assert fake_app(config, work_queue=queue).kinesis.handle_batch(event, None) == {"batchItemFailures": []}
    assert [m.event_id for m in queue.sent] == ["NOdeadbeefdeadbeefdeadbeef00000001"]


def kinesis_record(sequence: str, cloud_event: dict) -> dict:
    data = base64.b64encode(json.dumps(cloud_event).encode()).decode()
    return {
        "eventSource": "aws:kinesis",
        "eventID": f"shardId-000000000000:{sequence}",
        "kinesis": {"sequenceNumber": sequence, "partitionKey": "p", "data": data},
    }


def test_only_the_kinesis_record_that_could_not_be_queued_is_retried():
    """ReportBatchItemFailures: Lambda resumes the shard at the failed record, not at the start of the batch."""
    second = "NO" + "e" * 32
    queue = FakeQueue(refuse={second})
    records = [
        kinesis_record("101", error_log()),
        kinesis_record("102", error_log("ce-2", sid=second)),
        kinesis_record("103", error_log("ce-3", sid="NO" + "f" * 32)),
    ]
    response = fake_app(work_queue=queue).kinesis.handle_batch({"Records": records}, None)
    queued = [m.event_id for m in queue.sent]
    assert response == {"batchItemFailures": [{"itemIdentifier": "102"}]}
    assert queued == [NO_SID, "NO" + "f" * 32]
