"""Event Streams batches go to SQS in SendMessageBatch calls; only what SQS stored is ever called queued."""

from __future__ import annotations

import json
from collections import Counter

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from factor_cleanup.domain.messages import parse_message
from factor_cleanup.domain.ports import QueueUnavailable
from factor_cleanup.adapters.aws.sqs_queue import SqsWorkQueue
from tests.aws import local_aws
from tests.fake_app import fake_app
from tests.fakes import FakeQueue
from tests.test_event_streams import post
from tests.test_event_streams_parse import error_log
from tests.test_ingest import make_service

QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/work"


def error_logs(count: int) -> list[dict]:
    return [error_log(f"ce-{i}", sid=f"NO{i:032x}") for i in range(count)]


def queued_bodies(aws, most: int = 10) -> list[dict]:
    """Up to `most` message bodies from the work queue (moto receives slowly from a deep queue)."""
    bodies: list[dict] = []
    while len(bodies) < most and (batch := aws.sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10)
                                  .get("Messages", [])):  # fmt: skip
        bodies += [json.loads(m["Body"]) for m in batch]
    return bodies


def test_a_500_event_batch_is_stored_in_50_batch_calls():
    with mock_aws():
        aws = local_aws()
        calls: Counter[str] = Counter()
        aws.sqs.meta.events.register("before-call.sqs", lambda model, **_: calls.update([model.name]))
        service, _ = make_service(queue=SqsWorkQueue(aws.sqs, aws.queue_url))
        status, body = post(service, error_logs(500))
        assert status == 200 and len(body["queued"]) == 500 and body["rejected"] == []
        assert calls == {"SendMessageBatch": 50}  # never one SendMessage per event
        assert aws.queue_depth(aws.queue_url) == 500 == len(set(body["queued"]))
        sample = [parse_message(json.dumps(b)) for b in queued_bodies(aws)]  # the worker reads them as sent
        assert sample and all(m.source == "event_streams" and m.event_id in body["queued"] for m in sample)


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
    messages = [parse_message(json.dumps({"event_id": f"NO{i:032x}", "source": "event_streams", "error_code": "52103"}))
                for i in range(12)]  # fmt: skip
    with Stubber(sqs) as stub:
        first = [{"Id": str(i), "MessageBody": m.model_dump_json(exclude_none=True)} for i, m in enumerate(messages[:10])]
        stub.add_response("send_message_batch", {
            "Successful": [{"Id": str(i), "MessageId": f"m{i}", "MD5OfMessageBody": "x"} for i in range(10) if i != 4],
            "Failed": [{"Id": "4", "SenderFault": False, "Code": "InternalError"}],
        }, {"QueueUrl": QUEUE_URL, "Entries": first})  # fmt: skip
        stub.add_client_error("send_message_batch", "AWS.SimpleQueueService.NonExistentQueue")
        unqueued = SqsWorkQueue(sqs, QUEUE_URL).send_batch(messages)
    assert [u.message.event_id for u in unqueued] == [messages[4].event_id, messages[10].event_id, messages[11].event_id]
    assert "InternalError" in unqueued[0].reason and "NonExistentQueue" in unqueued[1].reason


def test_large_bodies_are_split_below_the_batch_byte_limit():
    with mock_aws():
        aws = local_aws()
        sizes: list[int] = []
        aws.sqs.meta.events.register(
            "provide-client-params.sqs.SendMessageBatch",
            lambda params, **_: sizes.append(sum(len(e["MessageBody"]) for e in params["Entries"])),
        )
        big = [parse_message(json.dumps({"event_id": f"NO{i:032x}", "source": "event_streams", "error_code": "52103",
                                         "description": "x" * 60_000})) for i in range(10)]  # fmt: skip
        assert SqsWorkQueue(aws.sqs, aws.queue_url).send_batch(big) == []
        assert len(sizes) > 1 and max(sizes) <= 262_144 and aws.queue_depth(aws.queue_url) == 10


def test_kinesis_record_with_an_unstored_event_fails_whole_and_names_nothing_queued():
    events = error_logs(3)
    queue = FakeQueue(refuse={events[1]["data"]["sid"]})
    intake = fake_app(work_queue=queue).kinesis
    with pytest.raises(QueueUnavailable):  # the handler turns this into the record's batchItemFailure
        intake.handle_record(json.dumps(events).encode())
    queue.refuse.clear()
    assert intake.handle_record(json.dumps(events).encode()) == 3
