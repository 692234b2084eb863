"""The registry's per-service count of verified push factors (the breaker's allowance), on moto: exact transitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from moto import mock_aws

from factor_cleanup.adapters.aws.registry import DynamoDbFactorRegistry
from factor_cleanup.domain.factors import FactorRecord
from factor_cleanup.domain.messages import VerifyEvent
from factor_cleanup.services.backfill import backfill_registry
from tests.aws import local_aws
from tests.conftest import IDENTITY, SERVICE_SID
from tests.fake_app import fake_app
from tests.fakes import FakeVerify, FixedClock

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def aws():
    with mock_aws():
        yield local_aws()


@pytest.fixture
def registry(aws) -> DynamoDbFactorRegistry:
    return DynamoDbFactorRegistry(aws.dynamodb, aws.registry_table)


OTHER_SERVICE = "VA" + "0" * 32


def factor(n: int) -> str:
    return f"YF{n:032x}"


def verified(n: int, service: str = SERVICE_SID, factor_type: str = "push", status: str = "verified") -> FactorRecord:
    return FactorRecord(
        factor(n),
        service,
        IDENTITY,
        factor_type,
        "apn",  # swept (fcm factors are counted alike but never swept)
        status,
        verified_at="2026-11-01T00:00:00Z",
        last_seen="2026-11-01T00:00:00Z",
    )


def test_only_verified_push_factors_count_each_in_its_service(registry):
    registry.record_factor(verified(1))
    registry.record_factor(verified(2))
    registry.record_factor(verified(3, factor_type="totp"))
    registry.record_factor(verified(4, status="unverified"))
    registry.record_factor(verified(5, service=OTHER_SERVICE))
    assert (registry.verified_push_count(SERVICE_SID), registry.verified_push_count(OTHER_SERVICE)) == (2, 1)
    assert registry.verified_push_count("VA" + "9" * 32) == 0


def test_created_then_verified_counts_once(registry):
    registry.record_factor(verified(1, status="unverified"))
    assert registry.verified_push_count(SERVICE_SID) == 0
    registry.record_factor(verified(1))
    registry.record_factor(verified(1))
    assert registry.verified_push_count(SERVICE_SID) == 1


def test_a_replayed_factor_verified_event_counts_once(registry):
    tracker = fake_app(registry=registry, clock=FixedClock(NOW)).tracker
    assert tracker is not None
    event = VerifyEvent(
        event_id="3f9a3a8e-0c4f-4a7e-9a57-2b1c0f0e1d01",
        type="factor.verified",
        service_sid=SERVICE_SID,
        identity=IDENTITY,
        factor_sid=factor(1),
        factor_type="push",
        occurred_at="2026-11-25T11:00:00Z",
    )
    for _ in range(3):  # Twilio's retries, an SQS redelivery after the idempotency window
        tracker.apply_verify_event(event)
    assert registry.verified_push_count(SERVICE_SID) == 1


def test_a_deletion_uncounts_once_whoever_reports_it(registry):
    registry.record_factor(verified(1))
    registry.record_factor(verified(2))
    registry.mark_deleted(factor(1), NOW, "push-janitor", event_id="NO" + "1" * 32)
    registry.mark_deleted(factor(1), NOW + timedelta(seconds=2), "user", confirmed=True)  # factor.deleted after ours
    registry.mark_deleted(factor(1), NOW + timedelta(seconds=3), "user", confirmed=True)  # ... delivered twice
    assert registry.verified_push_count(SERVICE_SID) == 1
    assert registry.get(factor(1)).deleted_by == "push-janitor"


def test_a_deleted_factor_verified_again_by_a_late_event_is_not_counted(registry):
    registry.record_factor(verified(1))
    registry.mark_deleted(factor(1), NOW, "user", confirmed=True)
    registry.record_factor(verified(1))
    assert registry.verified_push_count(SERVICE_SID) == 0


def test_deleting_an_unknown_or_uncounted_factor_moves_nothing(registry):
    registry.record_factor(verified(1))
    registry.mark_deleted(factor(9), NOW, "user", confirmed=True)  # never in the registry
    registry.record_factor(verified(2, factor_type="totp"))
    registry.mark_deleted(factor(2), NOW, "user", confirmed=True)
    assert registry.verified_push_count(SERVICE_SID) == 1


def test_the_backfill_counts_each_factor_once_however_often_it_runs(registry):
    verify = FakeVerify()
    for n in range(5):
        verify.add_factor(SERVICE_SID, IDENTITY, factor(n))
    verify.add_factor(SERVICE_SID, IDENTITY, factor(9), status="unverified")
    for _ in range(2):
        backfill_registry(verify, registry, frozenset({SERVICE_SID}))
    assert registry.verified_push_count(SERVICE_SID) == 5


def test_the_counter_is_one_item_beside_the_factors_and_in_no_index(registry, aws):
    registry.record_factor(verified(1))
    items = aws.dynamodb.scan(TableName=aws.registry_table)["Items"]
    [counter] = [item for item in items if item["factor_sid"]["S"].startswith("count#")]
    assert counter["factor_sid"]["S"] == f"count#{SERVICE_SID}" and counter["verified_push"]["N"] == "1"
    assert not {"sweep_shard", "entity_key"} & set(counter)
    assert [row.factor_sid for row in registry.stale_factors(SERVICE_SID, NOW, 10)] == [factor(1)]


class ConflictingClient:
    """moto's DynamoDB client, whose next `conflicts` transactions DynamoDB cancels for a concurrent one."""

    def __init__(self, client, conflicts: int) -> None:
        self._client, self.exceptions, self.conflicts = client, client.exceptions, conflicts

    def transact_write_items(self, **request):
        if self.conflicts:
            self.conflicts -= 1
            answer = {
                "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
                "CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}],
            }
            raise self.exceptions.TransactionCanceledException(answer, "TransactWriteItems")
        return self._client.transact_write_items(**request)

    def __getattr__(self, name):
        return getattr(self._client, name)


def test_a_transition_that_meets_a_concurrent_one_is_tried_again(aws):
    registry = DynamoDbFactorRegistry(ConflictingClient(aws.dynamodb, conflicts=2), aws.registry_table)
    registry.record_factor(verified(1))
    registry.record_factor(verified(2))
    registry._client.conflicts = 2
    registry.mark_deleted(factor(1), NOW, "user", confirmed=True)
    assert registry.verified_push_count(SERVICE_SID) == 1 and registry.get(factor(1)).deleted


def test_an_android_factor_counts_toward_the_allowance_but_is_never_swept(registry):
    from dataclasses import replace

    registry.record_factor(replace(verified(1), platform="fcm"))
    assert registry.verified_push_count(SERVICE_SID) == 1
    assert list(registry.stale_factors(SERVICE_SID, NOW, 10)) == []
