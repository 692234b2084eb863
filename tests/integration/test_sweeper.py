"""The sweeper on moto: the index read, the queue, the worker, two sweeps at once, the handler."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from moto import mock_aws

from factor_cleanup.adapters.aws.registry import DynamoDbFactorRegistry, entity_key, sweep_shard
from factor_cleanup.adapters.aws.sqs_queue import SqsWorkQueue
from factor_cleanup.domain.decision_record import iso_utc
from factor_cleanup.domain.messages import parse_message
from factor_cleanup.local.events import LocalLambdaContext
from factor_cleanup.local.poller import SqsPoller
from tests.aws import local_aws
from tests.conftest import SERVICE_SID
from tests.fake_app import moto_app, settings
from tests.fakes import FakeVerify, FixedClock
from tests.support.sweeper import NOW, STALE_IOS, factor, fill, sweeper

LIVE = "YF" + "6" * 32


@pytest.fixture
def aws():
    with mock_aws():
        yield local_aws()


def clone_fresh_factors(aws, registry: DynamoDbFactorRegistry, count: int) -> None:
    """`count` verified factors seen within the last 29 days: one written by the adapter, the rest copies of its item."""
    registry.record_factor(factor("YF" + "f" * 32, days_ago=1, identity="model-user-0001"))
    model = aws.dynamodb.get_item(TableName=aws.registry_table, Key={"factor_sid": {"S": "YF" + "f" * 32}})["Item"]
    for start in range(0, count, 25):
        puts = []
        for n in range(start, min(start + 25, count)):
            sid, identity = f"YF{n + 5000:032x}", f"fresh-user-{n:04d}"
            item = {
                **model,
                "factor_sid": {"S": sid},
                "identity": {"S": identity},
                "last_seen": {"S": iso_utc(NOW - timedelta(days=n % 29))},
                "sweep_shard": {"S": sweep_shard(SERVICE_SID, sid)},
                "entity_key": {"S": entity_key(SERVICE_SID, identity)},
            }
            puts.append({"PutRequest": {"Item": item}})
        aws.dynamodb.batch_write_item(RequestItems={aws.registry_table: puts})


def test_on_dynamodb_the_sweep_reads_only_the_candidates(aws):
    registry = DynamoDbFactorRegistry(aws.dynamodb, aws.registry_table)
    stale = fill(registry, fresh=0, stale=5)
    clone_fresh_factors(aws, registry, 500)
    registry.items_read = 0
    report = sweeper(registry, SqsWorkQueue(aws.sqs, aws.queue_url), page_size=3).sweep()
    assert report.enqueued == 5 and registry.items_read == 5  # 506 verified factors, 5 items read
    bodies = aws.sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10)["Messages"]
    assert {parse_message(b["Body"]).factor_sid for b in bodies} == stale


def test_two_sweeps_at_once_delete_a_stale_factor_once_and_keep_a_live_one(aws):
    registry = DynamoDbFactorRegistry(aws.dynamodb, aws.registry_table)
    verify = FakeVerify()
    for sid, identity in ((STALE_IOS, "user-stale-0001"), (LIVE, "user-live-00001")):  # both iOS: both swept
        registry.record_factor(factor(sid, 100, identity=identity, platform="apn"))
        verify.add_factor(SERVICE_SID, identity, sid, platform="apn")
    for days in (30, 20, 10):
        verify.add_challenge(STALE_IOS, "expired", NOW - timedelta(days=days))
    verify.add_challenge(LIVE, "approved", NOW - timedelta(hours=1))
    config = settings(
        inactive_days=30, unanswered_challenges=3, idempotency_window_seconds=3600, worker_record_concurrency=4
    )
    worker = moto_app(aws, config, verify=verify, registry=registry, clock=FixedClock(NOW)).worker

    queue = SqsWorkQueue(aws.sqs, aws.queue_url)
    for _ in range(2):  # e.g. the schedule and a manual `make sweep` at the same time
        assert sweeper(registry, queue).sweep().enqueued == 2
    poller = SqsPoller(aws.sqs, aws.queue_url, worker.handle_batch, wait_seconds=0)
    while poller.poll_once():
        pass

    assert [call[2] for call in verify.calls] == [STALE_IOS]
    rows = {item["factor_sid"]["S"]: item for item in aws.dynamodb.scan(TableName=aws.ledger_table)["Items"]}
    assert (rows[STALE_IOS]["outcome"]["S"], rows[STALE_IOS]["reason_code"]["S"]) == ("deleted", "inactive")
    assert (rows[LIVE]["outcome"]["S"], rows[LIVE]["reason_code"]["S"]) == ("skipped", "answered_recently")
    assert len(rows) == 2 and "expired unanswered" in rows[STALE_IOS]["reason"]["S"]
    assert registry.get(STALE_IOS).deleted_by == "push-janitor"
    assert registry.get(LIVE).last_seen == "2026-11-25T11:00:10Z"
    assert sweeper(registry, queue).sweep().candidates_read == 0  # neither is a candidate any more


def test_the_handler_takes_the_scheduled_time_from_the_scheduler_input(aws, restore_environ):
    from handlers.sweeper import handler

    restore_environ.update(aws.env(), VERIFY_SERVICE_SIDS=SERVICE_SID, INACTIVE_DAYS="30")
    registry = DynamoDbFactorRegistry(aws.dynamodb, aws.registry_table)
    registry.record_factor(factor(STALE_IOS, 400))
    event = {
        "source": "push-janitor.sweeper",
        "scheduled_time": "2026-11-25T03:00:00Z",
        "execution_id": "e1",
        "attempt": "1",
    }
    result = handler(event, LocalLambdaContext(timeout_seconds=300))
    assert (result["candidates_read"], result["enqueued"], result["swept_at"]) == (1, 1, "2026-11-25T03:00:00Z")
    [message] = aws.sqs.receive_message(QueueUrl=aws.queue_url)["Messages"]
    assert json.loads(message["Body"])["event_id"].endswith(":2026-11-25")
