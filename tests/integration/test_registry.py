"""The DynamoDB factor registry on moto, created from infra/template.yaml: transitions, indexes, forward-only writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from moto import mock_aws

from factor_cleanup.adapters.aws.registry import SWEEP_SHARDS, DynamoDbFactorRegistry, sweep_shard
from factor_cleanup.domain.decision_record import iso_utc
from factor_cleanup.domain.factors import FactorRecord
from tests.aws import local_aws
from tests.conftest import IDENTITY, SERVICE_SID

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CUTOFF = NOW - timedelta(days=30)
FACTOR = "YF" + "1" * 32


@pytest.fixture
def aws():
    with mock_aws():
        yield local_aws()


@pytest.fixture
def registry(aws) -> DynamoDbFactorRegistry:
    return DynamoDbFactorRegistry(aws.dynamodb, aws.registry_table)


def verified(
    sid: str = FACTOR, days_ago: float = 40, identity: str = IDENTITY, service: str = SERVICE_SID
) -> FactorRecord:
    seen = iso_utc(NOW - timedelta(days=days_ago))
    return FactorRecord(
        sid,
        service,
        identity,
        "push",
        "apn",
        "verified",
        verified_at=seen,
        last_seen=seen,
        last_seen_via="factor.verified",
    )


def raw_item(aws, sid: str = FACTOR) -> dict:
    return aws.dynamodb.get_item(TableName=aws.registry_table, Key={"factor_sid": {"S": sid}})["Item"]


def test_created_then_verified(registry, aws):
    registry.record_factor(
        FactorRecord(FACTOR, SERVICE_SID, IDENTITY, "push", status="unverified", created_at=iso_utc(NOW))
    )
    assert registry.get(FACTOR).status == "unverified" and "sweep_shard" not in raw_item(aws)
    registry.record_factor(verified(days_ago=0))
    row = registry.get(FACTOR)
    assert (row.status, row.verified_at, row.last_seen, row.created_at) == (
        "verified",
        iso_utc(NOW),
        iso_utc(NOW),
        iso_utc(NOW),
    )
    assert raw_item(aws)["sweep_shard"]["S"] == sweep_shard(SERVICE_SID, FACTOR)


def test_a_late_factor_created_event_does_not_demote_a_verified_factor(registry):
    registry.record_factor(verified())
    registry.record_factor(FactorRecord(FACTOR, SERVICE_SID, IDENTITY, "push", status="unverified"))
    assert registry.get(FACTOR).status == "verified"


def test_last_seen_only_moves_forward(registry):
    registry.record_factor(verified(days_ago=10))
    assert registry.mark_seen(FACTOR, NOW - timedelta(days=20), "challenge.approved") is False
    assert registry.get(FACTOR).last_seen == iso_utc(NOW - timedelta(days=10))
    assert registry.mark_seen(FACTOR, NOW, "app_activity") is True
    row = registry.get(FACTOR)
    assert (row.last_seen, row.last_seen_via) == (iso_utc(NOW), "app_activity")


def test_activity_for_an_unknown_factor_creates_no_sweep_candidate_and_no_identity(registry, aws):
    assert registry.mark_seen(FACTOR, NOW, "app_activity")
    row = registry.get(FACTOR)
    assert (row.status, row.service_sid, row.identity) == (None, None, None)
    assert "sweep_shard" not in raw_item(aws) and "entity_key" not in raw_item(aws)


def test_our_deletion_confirmed_by_factor_deleted(registry, aws):
    registry.record_factor(verified())
    registry.mark_deleted(FACTOR, NOW, "push-janitor", event_id="NO" + "1" * 32)
    row = registry.get(FACTOR)
    assert (row.deleted_by, row.deletion_confirmed, row.deleted_at) == ("push-janitor", False, iso_utc(NOW))
    assert row.deleted_event == "NO" + "1" * 32
    registry.mark_deleted(FACTOR, NOW + timedelta(seconds=2), "user", confirmed=True, event_id="NO" + "2" * 32)
    row = registry.get(FACTOR)
    assert (row.deleted_by, row.deletion_confirmed, row.deleted_at) == ("push-janitor", True, iso_utc(NOW))
    assert row.deleted_event == "NO" + "1" * 32
    assert "sweep_shard" not in raw_item(aws) and "entity_key" not in raw_item(aws)


def test_factor_deleted_arriving_before_our_own_record_still_credits_push_janitor(registry):
    registry.record_factor(verified())
    registry.mark_deleted(FACTOR, NOW, "user", confirmed=True)
    registry.mark_deleted(FACTOR, NOW, "push-janitor")
    row = registry.get(FACTOR)
    assert (row.deleted_by, row.deletion_confirmed) == ("push-janitor", True)


def test_a_deletion_by_the_user_is_recorded_as_such(registry):
    registry.record_factor(verified())
    registry.mark_deleted(FACTOR, NOW, "user", confirmed=True)
    assert registry.get(FACTOR).deleted_by == "user"


def test_a_deleted_factor_is_never_revived(registry, aws):
    registry.mark_deleted(FACTOR, NOW, "user", confirmed=True)  # factor.deleted may even come first
    registry.record_factor(verified(days_ago=0))
    row = registry.get(FACTOR)
    assert row.deleted and row.status is None and "sweep_shard" not in raw_item(aws)


def test_live_factors_of_an_identity(registry):
    registry.record_factor(verified("YF" + "1" * 32))
    registry.record_factor(verified("YF" + "2" * 32))
    registry.record_factor(FactorRecord("YF" + "3" * 32, SERVICE_SID, IDENTITY, "push", status="unverified"))
    registry.record_factor(verified("YF" + "4" * 32, identity="someone-else-01"))
    registry.mark_deleted("YF" + "2" * 32, NOW, "push-janitor")
    assert registry.live_factors_of(SERVICE_SID, IDENTITY) == ["YF" + "1" * 32]


def test_the_sweep_index_reads_only_candidates_page_by_page(registry):
    for n in range(60):
        registry.record_factor(verified(f"YF{n:032x}", days_ago=n % 29, identity=f"fresh-user-{n:04d}"))
    stale = {f"YF{n:032x}" for n in range(1000, 1005)}
    for n, sid in enumerate(sorted(stale)):
        registry.record_factor(verified(sid, days_ago=31 + n, identity=f"stale-user-{n:04d}"))
    registry.record_factor(verified("YF" + "e" * 32, days_ago=90, service="VA" + "0" * 32))  # another service
    registry.record_factor(verified("YF" + "d" * 32, days_ago=90))
    registry.mark_deleted("YF" + "d" * 32, NOW, "push-janitor")  # deleted: out of the index
    found = list(registry.stale_factors(SERVICE_SID, CUTOFF, page_size=2))
    assert {r.factor_sid for r in found} == stale
    assert registry.items_read == 5  # not 60: the index holds nothing else below the cutoff
    assert all(r.identity and r.service_sid == SERVICE_SID and r.platform == "apn" for r in found)


def test_candidates_in_each_shard_come_oldest_first(registry):
    for n in range(40):
        registry.record_factor(verified(f"YF{n:032x}", days_ago=31 + n))
    found = list(registry.stale_factors(SERVICE_SID, CUTOFF, page_size=7))
    assert len(found) == 40
    by_shard: dict[str, list[str]] = {}
    for row in found:
        by_shard.setdefault(sweep_shard(SERVICE_SID, row.factor_sid), []).append(row.last_seen)
    assert all(seen == sorted(seen) for seen in by_shard.values())
    assert 1 < len(by_shard) <= SWEEP_SHARDS


@pytest.mark.parametrize("kind", ["dynamodb", "fake"])
def test_a_second_events_intent_keeps_the_first_and_marks_it_contested(aws, kind):
    """The fake and the DynamoDB adapter agree: a retry of the same event renews its intent, another event's contests it."""
    from tests.fakes import FakeRegistry

    registry = DynamoDbFactorRegistry(aws.dynamodb, aws.registry_table) if kind == "dynamodb" else FakeRegistry()
    registry.mark_delete_intent(FACTOR, "NO-first", NOW, SERVICE_SID, IDENTITY)
    registry.mark_delete_intent(FACTOR, "NO-first", NOW, SERVICE_SID, IDENTITY)
    assert (registry.get(FACTOR).delete_intent_event, registry.get(FACTOR).delete_intent_contested) == (
        "NO-first",
        False,
    )
    registry.mark_delete_intent(FACTOR, "NO-second", NOW, SERVICE_SID, IDENTITY)
    assert (registry.get(FACTOR).delete_intent_event, registry.get(FACTOR).delete_intent_contested) == (
        "NO-first",
        True,
    )
