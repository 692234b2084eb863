"""Event Streams batches go to SQS in SendMessageBatch calls; only what SQS stored is ever called queued."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from factor_cleanup.adapters.aws.sqs_queue import SqsWorkQueue
from factor_cleanup.domain.messages import parse_message
from factor_cleanup.domain.ports import QueueUnavailable
from tests.fake_app import fake_app
from tests.fakes import FakeQueue
from tests.support.debugger import make_service
from tests.support.event_streams import error_logs, post

QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/work"


def test_entries_some_sqs_did_not_store_make_the_batch_a_503_naming_only_what_was_stored():
    logs = error_logs(25)
    refused = {logs[3]["data"]["sid"], logs[17]["data"]["sid"]}
    service, queue = make_service(queue=FakeQueue(refuse=refused))
    status, body = post(service, logs)
    assert status == 503 and body["error"] == "queue_unavailable"  # Event Streams retries the whole batch
    assert set(body["queued"]) == {m.event_id for m in queue.sent} and len(body["queued"]) == 23
    assert set(body["not_queued"]) == refused and not refused & set(body["queued"])


def test_a_retried_batch_queues_the_rest_and_repeats_only_event_ids():
    logs = error_logs(12)
    queue = FakeQueue(refuse={logs[0]["data"]["sid"]})
    service, _ = make_service(queue=queue)
    assert post(service, logs)[0] == 503
    queue.refuse.clear()
    status, body = post(service, logs)  # Event Streams' retry: the same events, the same ids
    assert status == 200 and len(body["queued"]) == 12
    assert {m.event_id for m in queue.sent} == {log["data"]["sid"] for log in logs}  # copies share their key


def test_sqs_adapter_counts_only_entries_listed_as_successful():
    sqs = boto3.client("sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    messages = [
        parse_message(json.dumps({"event_id": f"NO{i:032x}", "source": "event_streams", "error_code": "52103"}))
        for i in range(12)
    ]
    with Stubber(sqs) as stub:
        first = [
            {"Id": str(i), "MessageBody": m.model_dump_json(exclude_none=True)} for i, m in enumerate(messages[:10])
        ]
        stub.add_response(
            "send_message_batch",
            {
                "Successful": [
                    {"Id": str(i), "MessageId": f"m{i}", "MD5OfMessageBody": "x"} for i in range(10) if i != 4
                ],
                "Failed": [{"Id": "4", "SenderFault": False, "Code": "InternalError"}],
            },
            {"QueueUrl": QUEUE_URL, "Entries": first},
        )
        stub.add_client_error("send_message_batch", "AWS.SimpleQueueService.NonExistentQueue")
        unqueued = SqsWorkQueue(sqs, QUEUE_URL).send_batch(messages)
    assert [u.message.event_id for u in unqueued] == [
        messages[4].event_id,
        messages[10].event_id,
        messages[11].event_id,
    ]
    assert "InternalError" in unqueued[0].reason and "NonExistentQueue" in unqueued[1].reason


def test_kinesis_record_with_an_unstored_event_fails_whole_and_names_nothing_queued():
    events = error_logs(3)
    queue = FakeQueue(refuse={events[1]["data"]["sid"]})
    intake = fake_app(work_queue=queue).kinesis
    with pytest.raises(QueueUnavailable):  # the handler turns this into the record's batchItemFailure
        intake.handle_record(json.dumps(events).encode())
    queue.refuse.clear()
    assert intake.handle_record(json.dumps(events).encode()) == 3
