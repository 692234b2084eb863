"""A slow Verify: the worker starts only what can end before the Lambda deadline and hands back the rest.

Time is a fake clock: each Verify call advances it, and the Lambda context's remaining time reads it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from moto import mock_aws

from factor_cleanup.domain.decision_record import iso_utc
from factor_cleanup.domain.factors import FactorRecord
from factor_cleanup.domain.messages import InactiveCandidate
from factor_cleanup.runtime.deadline import VERIFY_CALLS
from tests.aws import local_aws
from tests.conftest import SERVICE_SID
from tests.fake_app import moto_app, settings
from tests.fakes import FakeLambdaContext, FakeQueue, FakeRegistry, FakeVerify, FixedClock
from tests.support.worker import message, records

VERIFY_TIMEOUT = 10.0
FACTORS = [(SERVICE_SID, f"user-{i:04d}", f"YF{i:032x}") for i in range(10)]
CANDIDATE = (SERVICE_SID, "user-ios-0001", "YF" + "5" * 32)


@pytest.fixture
def aws():
    with mock_aws():
        yield local_aws()


class SlowVerifyWorker:
    """The worker over moto, a Verify whose every call takes `delay` seconds of fake time, and that clock."""

    def __init__(self, aws, delay: float) -> None:
        self.aws = aws
        self.clock = FixedClock()
        self.verify = FakeVerify(set(FACTORS), delay_seconds=delay, clock=self.clock)
        self.registry = FakeRegistry()
        queue = FakeQueue()
        self.visibility = queue.delays
        # One Verify slot, as the fake serializes its calls: worst case, records take their calls' time in turn.
        config = settings(
            verify_timeout_seconds=VERIFY_TIMEOUT,
            verify_max_in_flight=1,
            inactive_days=30,
            unanswered_challenges=3,
            idempotency_window_seconds=3600,
            worker_record_concurrency=10,
        )
        app = moto_app(aws, config, verify=self.verify, registry=self.registry, clock=self.clock, work_queue=queue)
        self.worker = app.worker

    def handle(self, batch: dict, timeout_seconds: float = 60.0) -> tuple[set[str], FakeLambdaContext]:
        context = FakeLambdaContext(self.clock, timeout_seconds)
        response = self.worker.handle_batch(batch, context)
        return {failure["itemIdentifier"] for failure in response["batchItemFailures"]}, context

    def decided(self) -> dict[str, str]:
        """factor SID -> outcome, from the ledger."""
        items = self.aws.dynamodb.scan(TableName=self.aws.ledger_table)["Items"]
        return {item["factor_sid"]["S"]: item["outcome"]["S"] for item in items}

    def verify_calls_for(self, factor_sid: str) -> int:
        return sum(1 for call in self.verify.calls if call[2] == factor_sid) + sum(
            1 for _, sid in self.verify.reads if sid == factor_sid
        )


def push_failures() -> dict:
    return records(
        *(message(f"NO{i:032x}", identity=identity, factor_sid=sid) for i, (_, identity, sid) in enumerate(FACTORS))
    )


def factor_of(batch: dict, message_ids: set[str]) -> set[str]:
    import json

    return {json.loads(r["body"])["factor_sid"] for r in batch["Records"] if r["messageId"] in message_ids}


def test_a_slow_verify_batch_returns_before_the_deadline_and_hands_back_only_unstarted_records(aws):
    worker = SlowVerifyWorker(aws, delay=VERIFY_TIMEOUT)  # every call takes its whole timeout: 10 x 10 s > 60 s
    batch = push_failures()
    handed_back, context = worker.handle(batch)

    assert context.get_remaining_time_in_millis() > 0  # answered before the deadline, not killed by it
    decided = worker.decided()
    assert handed_back and decided and len(handed_back) + len(decided) == len(FACTORS)
    assert factor_of(batch, handed_back).isdisjoint(decided)
    assert set(decided.values()) == {"deleted"}  # every started record ran to its end
    assert {call[2] for call in worker.verify.calls} == set(decided)  # the others never reached Verify
    receipts = {r["receiptHandle"] for r in batch["Records"] if r["messageId"] in handed_back}
    assert sorted(worker.visibility) == sorted((receipt, 0) for receipt in receipts)  # back at once, no backoff

    for _ in range(len(FACTORS)):  # fresh invocations take them, each starting what it can finish
        again = {"Records": [r for r in batch["Records"] if r["messageId"] in handed_back]}
        handed_back = worker.handle(again)[0]
        if not handed_back:
            break
    assert handed_back == set()
    assert worker.handle(batch)[0] == set()  # and a redelivery of the whole batch decides nothing again
    assert sorted(call[2] for call in worker.verify.calls) == sorted(sid for _, _, sid in FACTORS)  # each once
    assert worker.decided() == {sid: "deleted" for _, _, sid in FACTORS}


def test_a_sweeper_candidate_needs_room_for_three_calls_a_push_failure_for_two(aws):
    worker = SlowVerifyWorker(aws, delay=VERIFY_TIMEOUT)
    service, identity, sid = CANDIDATE
    last_seen = worker.clock.now() - timedelta(days=100)
    worker.registry.record_factor(
        FactorRecord(
            sid,
            service_sid=service,
            identity=identity,
            status="verified",
            verified_at=iso_utc(last_seen),
            last_seen=iso_utc(last_seen),
        )
    )
    worker.verify.add_factor(service, identity, sid)
    for days in (30, 20, 10):
        worker.verify.add_challenge(sid, "expired", worker.clock.now() - timedelta(days=days))
    candidate = InactiveCandidate(
        event_id=f"inactive:{sid}",
        factor_sid=sid,
        service_sid=service,
        identity=identity,
        last_seen=iso_utc(last_seen),
        swept_at=iso_utc(worker.clock.now()),
    )
    _, push_identity, push_sid = FACTORS[0]
    batch = records(candidate.model_dump_json(), message(identity=push_identity, factor_sid=push_sid))

    handed_back, _ = worker.handle(batch, timeout_seconds=30)  # room for two calls, not for three
    assert handed_back == {"m0"} and worker.decided() == {push_sid: "deleted"}
    assert worker.verify_calls_for(sid) == 0

    assert worker.handle(records(candidate.model_dump_json()))[0] == set()
    assert worker.decided()[sid] == "deleted"
    assert worker.verify_calls_for(sid) <= VERIFY_CALLS["inactive_candidate"]  # the budget covers what it did
    assert worker.verify_calls_for(push_sid) <= VERIFY_CALLS["push_failure"]


def test_without_a_deadline_every_record_starts(aws):
    worker = SlowVerifyWorker(aws, delay=VERIFY_TIMEOUT)
    assert worker.worker.handle_batch(push_failures(), None) == {"batchItemFailures": []}
    assert len(worker.decided()) == len(FACTORS) and worker.visibility == []
