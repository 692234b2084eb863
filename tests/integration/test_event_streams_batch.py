"""Event Streams batches on moto's SQS: SendMessageBatch calls of at most ten entries and the byte limit."""

from __future__ import annotations

import json
from collections import Counter

from moto import mock_aws

from factor_cleanup.adapters.aws.sqs_queue import SqsWorkQueue
from factor_cleanup.domain.messages import parse_message
from tests.aws import local_aws
from tests.support.debugger import make_service
from tests.support.event_streams import error_logs, post


def queued_bodies(aws, most: int = 10) -> list[dict]:
    """Up to `most` message bodies from the work queue (moto receives slowly from a deep queue)."""
    bodies: list[dict] = []
    while len(bodies) < most and (
        batch := aws.sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10).get("Messages", [])
    ):
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


def test_large_bodies_are_split_below_the_batch_byte_limit():
    with mock_aws():
        aws = local_aws()
        sizes: list[int] = []
        aws.sqs.meta.events.register(
            "provide-client-params.sqs.SendMessageBatch",
            lambda params, **_: sizes.append(sum(len(e["MessageBody"]) for e in params["Entries"])),
        )
        big = [
            parse_message(
                json.dumps(
                    {
                        "event_id": f"NO{i:032x}",
                        "source": "event_streams",
                        "error_code": "52103",
                        "description": "x" * 60_000,
                    }
                )
            )
            for i in range(10)
        ]
        assert SqsWorkQueue(aws.sqs, aws.queue_url).send_batch(big) == []
        assert len(sizes) > 1 and max(sizes) <= 262_144 and aws.queue_depth(aws.queue_url) == 10
