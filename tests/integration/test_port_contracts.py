"""One contract per port, run against the fake the unit tests use and the DynamoDB adapter (moto) alike.

The unit tests trust tests/fakes.py; these tests keep that trust earned: whatever the Ledger,
FactorRegistry and BreakerStore Protocols promise, both implementations keep, so a fake cannot drift
from the adapter it stands in for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from moto import mock_aws

from factor_cleanup.adapters.aws.breaker_store import DynamoDbBreakerStore
from factor_cleanup.adapters.aws.ledger import DynamoDbLedger
from factor_cleanup.adapters.aws.registry import DynamoDbFactorRegistry
from factor_cleanup.domain.breaker import BreakerState, BreakerStore
from factor_cleanup.domain.decision_record import DecisionRecord, iso_utc
from factor_cleanup.domain.factors import FactorRecord
from factor_cleanup.domain.ports import FactorRegistry, Ledger
from tests.aws import LocalAws, local_aws
from tests.conftest import IDENTITY, SERVICE_SID
from tests.fakes import FakeBreakerStore, FakeLedger, FakeRegistry

Port = TypeVar("Port")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
OTHER_SERVICE = "VA" + "e" * 32


@contextmanager
def implementation(kind: str, fake: Callable[[], Port], on_dynamodb: Callable[[LocalAws], Port]) -> Iterator[Port]:
    """The fake, or the adapter over the template's table in moto."""
    if kind == "fake":
        yield fake()
        return
    with mock_aws():
        yield on_dynamodb(local_aws())


@pytest.fixture(params=["fake", "dynamodb"])
def ledger(request) -> Iterator[Ledger]:
    with implementation(request.param, FakeLedger, lambda aws: DynamoDbLedger(aws.dynamodb, aws.ledger_table)) as port:
        yield port


@pytest.fixture(params=["fake", "dynamodb"])
def registry(request) -> Iterator[FactorRegistry]:
    adapter = lambda aws: DynamoDbFactorRegistry(aws.dynamodb, aws.registry_table)  # noqa: E731
    with implementation(request.param, FakeRegistry, adapter) as port:
        yield port


@pytest.fixture(params=["fake", "dynamodb"])
def breaker_store(request) -> Iterator[BreakerStore]:
    adapter = lambda aws: DynamoDbBreakerStore(aws.dynamodb, aws.resources["SafetyTable"]["name"])  # noqa: E731
    with implementation(request.param, FakeBreakerStore, adapter) as port:
        yield port


# --- Ledger -------------------------------------------------------------------------------------------
def decision(n: int, at: datetime, outcome: str = "would_delete", **fields: str) -> DecisionRecord:
    return DecisionRecord(
        event_sid=f"NO{n:032x}",
        factor_sid=f"YF{n:032x}",
        service_sid=SERVICE_SID,
        identity=IDENTITY,
        error_code="52103",
        outcome=outcome,
        reason=f"{outcome} #{n}",
        reason_code="uninstalled",
        at=iso_utc(at),
        **fields,
    )


def test_ledger_gives_back_the_decision_as_recorded(ledger):
    full = decision(
        1,
        NOW,
        "deleted",
        source="debugger",
        platform="apn",
        evidence_at="2026-11-25T11:59:00Z",
        reviewed_event_id="NO" + "f" * 32,
    )
    bare = DecisionRecord(
        event_sid="NO" + "2" * 32,
        outcome="skipped",
        reason="ambiguous",
        reason_code="ambiguous_ids",
        at=iso_utc(NOW + timedelta(seconds=1)),
    )
    ledger.record(full)
    ledger.record(bare)
    assert list(ledger.records_between(NOW, NOW + timedelta(minutes=1))) == [full, bare]


def test_ledger_record_replaces_the_row_for_the_same_event(ledger):
    ledger.record(decision(1, NOW - timedelta(days=1), "would_delete"))
    again = decision(1, NOW, "deleted")  # the same event decided again, a day later
    ledger.record(again)
    assert list(ledger.records_between(NOW - timedelta(days=2), NOW + timedelta(days=1))) == [again]


def test_ledger_actions_between_are_oldest_first_across_days(ledger):
    times = [
        NOW - timedelta(days=3, hours=5),
        NOW,
        NOW - timedelta(days=1),
        NOW - timedelta(minutes=1),
        NOW - timedelta(days=2, seconds=1),
        NOW + timedelta(hours=11),
    ]
    for n, at in enumerate(times):
        ledger.record(decision(n, at))
    found = list(ledger.records_between(NOW - timedelta(days=4), NOW + timedelta(days=1)))
    assert [a.at for a in found] == sorted(iso_utc(t) for t in times)


def test_ledger_period_includes_its_start_and_excludes_its_end(ledger):
    start, end = NOW - timedelta(days=1), NOW
    for n, at in enumerate((start - timedelta(seconds=1), start, end - timedelta(seconds=1), end)):
        ledger.record(decision(n, at))
    assert [a.at for a in ledger.records_between(start, end)] == [iso_utc(start), iso_utc(end - timedelta(seconds=1))]
    assert list(ledger.records_between(end, end)) == []


# --- FactorRegistry -------------------------------------------------------------------------------------
FACTOR = "YF" + "1" * 32


def verified(
    sid: str = FACTOR,
    days_ago: float = 40,
    identity: str = IDENTITY,
    service: str = SERVICE_SID,
    factor_type: str = "push",
) -> FactorRecord:
    seen = iso_utc(NOW - timedelta(days=days_ago))
    return FactorRecord(
        sid,
        service,
        identity,
        factor_type,
        "apn",
        "verified",
        verified_at=seen,
        last_seen=seen,
        last_seen_via="factor.verified",
    )


def stale(registry: FactorRegistry, service: str = SERVICE_SID) -> list[str]:
    return [r.factor_sid for r in registry.stale_factors(service, NOW - timedelta(days=30), page_size=2)]


def test_registry_knows_nothing_of_an_unknown_factor(registry):
    assert (
        registry.get(FACTOR) is None and registry.live_factors_of(SERVICE_SID, IDENTITY) == [] and stale(registry) == []
    )


def test_registry_stores_identity_type_and_status(registry):
    registry.record_factor(verified())
    row = registry.get(FACTOR)
    assert (row.service_sid, row.identity, row.factor_type, row.platform, row.status) == (
        SERVICE_SID,
        IDENTITY,
        "push",
        "apn",
        "verified",
    )
    assert row.last_seen == row.verified_at == iso_utc(NOW - timedelta(days=40)) and not row.deleted


def test_registry_never_demotes_a_verified_factor(registry):
    registry.record_factor(verified())
    registry.record_factor(
        FactorRecord(FACTOR, SERVICE_SID, IDENTITY, "push", status="unverified")
    )  # a late factor.created
    assert registry.get(FACTOR).status == "verified" and stale(registry) == [FACTOR]


def test_registry_last_seen_only_moves_forward(registry):
    registry.record_factor(verified(days_ago=10))
    assert registry.mark_seen(FACTOR, NOW - timedelta(days=20), "challenge.approved") is False
    assert registry.mark_seen(FACTOR, NOW - timedelta(days=10), "challenge.approved") is False  # not after: no move
    assert registry.get(FACTOR).last_seen == iso_utc(NOW - timedelta(days=10))
    assert registry.mark_seen(FACTOR, NOW, "app_activity") is True
    row = registry.get(FACTOR)
    assert (row.last_seen, row.last_seen_via) == (iso_utc(NOW), "app_activity")
    registry.record_factor(verified(days_ago=5))  # a replayed factor.verified carrying an older last_seen
    assert registry.get(FACTOR).last_seen == iso_utc(NOW)


def test_registry_mark_seen_writes_last_seen_and_nothing_else(registry):
    """Activity reports reach the registry only through mark_seen: it never names identity, service, type or status."""
    registry.record_factor(verified(days_ago=10))
    assert registry.mark_seen(FACTOR, NOW, "app_activity") and registry.mark_seen("YF" + "6" * 32, NOW, "app_activity")
    row, unknown = registry.get(FACTOR), registry.get("YF" + "6" * 32)
    assert (row.service_sid, row.identity, row.factor_type, row.status) == (SERVICE_SID, IDENTITY, "push", "verified")
    assert unknown.last_seen == iso_utc(NOW)
    assert {unknown.service_sid, unknown.identity, unknown.factor_type, unknown.status} == {None}
    assert registry.live_factors_of(SERVICE_SID, IDENTITY) == [FACTOR]


def test_registry_never_revives_a_deleted_factor(registry):
    registry.mark_deleted(FACTOR, NOW, "user", confirmed=True)  # factor.deleted may even come first
    registry.record_factor(verified())
    row = registry.get(FACTOR)
    assert row.deleted and row.status is None
    assert stale(registry) == [] and registry.live_factors_of(SERVICE_SID, IDENTITY) == []


def test_registry_mark_deleted_takes_the_factor_out_of_the_sweep_and_the_live_factors(registry):
    registry.record_factor(verified())
    registry.record_factor(verified("YF" + "2" * 32, days_ago=50))
    assert stale(registry) == ["YF" + "2" * 32, FACTOR] and len(registry.live_factors_of(SERVICE_SID, IDENTITY)) == 2
    registry.mark_deleted(FACTOR, NOW, "push-janitor", event_id="NO" + "1" * 32)
    assert stale(registry) == ["YF" + "2" * 32] and registry.live_factors_of(SERVICE_SID, IDENTITY) == ["YF" + "2" * 32]


def test_registry_credits_its_own_deletion_whichever_record_comes_first(registry):
    registry.record_factor(verified())
    registry.mark_deleted(FACTOR, NOW, "user", confirmed=True)  # Verify's factor.deleted, before our own record
    registry.mark_deleted(FACTOR, NOW + timedelta(seconds=2), "push-janitor", event_id="NO" + "1" * 32)
    registry.mark_deleted(FACTOR, NOW + timedelta(seconds=3), "push-janitor", event_id="NO" + "2" * 32)
    row = registry.get(FACTOR)
    assert (row.deleted_by, row.deletion_confirmed, row.deleted_at, row.deleted_event) == (
        "push-janitor",
        True,
        iso_utc(NOW),
        "NO" + "1" * 32,
    )


def test_registry_clear_delete_intent_takes_back_only_its_own_note(registry):
    registry.record_factor(verified())
    registry.mark_delete_intent(FACTOR, "NO" + "1" * 32, NOW, SERVICE_SID, IDENTITY)
    registry.clear_delete_intent(FACTOR, "NO" + "2" * 32)  # another event's: the note stays
    assert registry.get(FACTOR).delete_intent_event == "NO" + "1" * 32
    registry.clear_delete_intent(FACTOR, "NO" + "1" * 32)
    row = registry.get(FACTOR)
    assert row.delete_intent_event is None and (row.service_sid, row.identity, row.status) == (
        SERVICE_SID,
        IDENTITY,
        "verified",
    )
    registry.clear_delete_intent("YF" + "9" * 32, "NO" + "1" * 32)  # an unknown factor: nothing, no error
    assert registry.get("YF" + "9" * 32) is None


def test_registry_mark_delete_intent_keeps_the_event(registry):
    registry.mark_delete_intent(
        FACTOR, "NO" + "1" * 32, NOW, SERVICE_SID, IDENTITY
    )  # before the DELETE, factor unknown
    row = registry.get(FACTOR)
    assert (row.delete_intent_event, row.service_sid, row.identity, row.deleted) == (
        "NO" + "1" * 32,
        SERVICE_SID,
        IDENTITY,
        False,
    )
    registry.record_factor(verified())
    registry.mark_delete_intent(FACTOR, "NO" + "2" * 32, NOW, OTHER_SERVICE, "someone-else-01")
    row = registry.get(FACTOR)  # the first intent stays; a second event only marks it contested
    assert (row.delete_intent_event, row.delete_intent_contested, row.service_sid, row.identity) == (
        "NO" + "1" * 32,
        True,
        SERVICE_SID,
        IDENTITY,
    )


def test_registry_live_factors_are_the_identitys_verified_undeleted_ones(registry):
    registry.record_factor(verified("YF" + "1" * 32))
    registry.record_factor(verified("YF" + "2" * 32, factor_type="totp"))
    registry.record_factor(FactorRecord("YF" + "3" * 32, SERVICE_SID, IDENTITY, "push", status="unverified"))
    registry.record_factor(verified("YF" + "4" * 32, identity="someone-else-01"))
    registry.record_factor(verified("YF" + "5" * 32, service=OTHER_SERVICE))
    registry.mark_seen("YF" + "6" * 32, NOW, "app_activity")  # activity alone: no identity, not verified
    assert sorted(registry.live_factors_of(SERVICE_SID, IDENTITY)) == ["YF" + "1" * 32, "YF" + "2" * 32]


def test_registry_sweeps_only_verified_push_factors_of_the_service_seen_before_the_cutoff(registry):
    registry.record_factor(verified("YF" + "1" * 32))
    registry.record_factor(verified("YF" + "2" * 32, factor_type="totp"))
    registry.record_factor(
        FactorRecord(
            "YF" + "3" * 32,
            SERVICE_SID,
            IDENTITY,
            "push",
            status="unverified",
            last_seen=iso_utc(NOW - timedelta(days=90)),
        )
    )
    registry.record_factor(verified("YF" + "4" * 32, days_ago=29))
    registry.record_factor(verified("YF" + "5" * 32, service=OTHER_SERVICE))
    registry.mark_seen("YF" + "6" * 32, NOW - timedelta(days=90), "app_activity")
    assert stale(registry) == ["YF" + "1" * 32] and stale(registry, OTHER_SERVICE) == ["YF" + "5" * 32]


def test_registry_sweeps_ios_factors_and_those_of_unknown_platform_only(registry):
    """Inactivity is iOS's evidence: an Android (fcm) factor never enters the sweep, even once its platform
    becomes known after it was indexed."""
    from dataclasses import replace

    ios, unknown, android = "YF" + "1" * 32, "YF" + "2" * 32, "YF" + "3" * 32
    registry.record_factor(replace(verified(ios), platform="apn"))
    registry.record_factor(replace(verified(unknown), platform=None))
    registry.record_factor(replace(verified(android), platform=None))  # indexed while its platform is unknown
    registry.record_factor(replace(verified(android), platform="fcm"))  # then Verify says fcm
    assert sorted(stale(registry)) == [ios, unknown]


def test_registry_sweep_candidates_come_oldest_first(registry):
    ages = [31 + (n * 7) % 40 for n in range(12)]  # every age once, written in no order
    for n, days in enumerate(ages):
        registry.record_factor(verified(f"YF{n:032x}", days_ago=days, identity=f"user-{n:04d}-abcd"))
    found = list(registry.stale_factors(SERVICE_SID, NOW - timedelta(days=30), page_size=2))
    assert len(found) == 12 and [r.last_seen for r in found] == sorted(r.last_seen for r in found)


# --- BreakerStore ---------------------------------------------------------------------------------------
def test_breaker_store_totals_a_counter_from_a_minute_on(breaker_store):
    for minute, amount in (
        ("2026-11-25T10:59", 4),
        ("2026-11-25T11:00", 3),
        ("2026-11-25T11:30", 2),
        ("2026-11-25T11:30", 1),
    ):
        breaker_store.add(SERVICE_SID, "deletions", minute, amount)
    breaker_store.add(SERVICE_SID, "config_errors", "2026-11-25T11:30", 7)
    breaker_store.add(OTHER_SERVICE, "deletions", "2026-11-25T11:30", 5)
    assert breaker_store.total_since(SERVICE_SID, "deletions", "2026-11-25T11:00") == 6
    assert breaker_store.total_since(SERVICE_SID, "deletions", "2026-11-25T10:00") == 10
    assert breaker_store.total_since(SERVICE_SID, "deletions", "2026-11-25T11:31") == 0
    assert breaker_store.total_since(SERVICE_SID, "config_errors", "2026-11-25T11:00") == 7
    breaker_store.add(SERVICE_SID, "deletions", "2026-11-25T11:30", -1)  # a reservation given back
    assert breaker_store.total_since(SERVICE_SID, "deletions", "2026-11-25T11:00") == 5


def test_breaker_store_never_takes_a_slot_below_zero(breaker_store):
    """A reservation given back after `make breaker-reset` cleared its slot must not lend the hour one more."""
    breaker_store.add(SERVICE_SID, "deletions", "2026-11-25T11:30", 1)
    breaker_store.reset(SERVICE_SID)
    breaker_store.add(SERVICE_SID, "deletions", "2026-11-25T11:30", -1)
    breaker_store.add(SERVICE_SID, "deletions", "2026-11-25T11:31", -1)  # a slot that never existed
    assert breaker_store.total_since(SERVICE_SID, "deletions", "2026-11-25T11:00") == 0
    breaker_store.add(SERVICE_SID, "deletions", "2026-11-25T11:30", 1)
    assert breaker_store.total_since(SERVICE_SID, "deletions", "2026-11-25T11:00") == 1


def test_breaker_store_trips_only_once(breaker_store):
    assert breaker_store.open_state(SERVICE_SID) is None
    first = BreakerState(SERVICE_SID, "2026-11-25T11:31:00Z", "storm")
    assert breaker_store.trip(first) is True
    assert breaker_store.trip(BreakerState(SERVICE_SID, "2026-11-25T11:32:00Z", "again")) is False
    assert breaker_store.open_state(SERVICE_SID) == first and breaker_store.open_state(OTHER_SERVICE) is None


def test_breaker_store_reset_clears_the_services_counts_and_state(breaker_store):
    for service in (SERVICE_SID, OTHER_SERVICE):
        breaker_store.add(service, "deletions", "2026-11-25T11:30", 3)
        breaker_store.add(service, "config_errors", "2026-11-25T11:30", 2)
        breaker_store.trip(BreakerState(service, "2026-11-25T11:31:00Z", "storm"))
    assert breaker_store.reset(SERVICE_SID) == BreakerState(SERVICE_SID, "2026-11-25T11:31:00Z", "storm")
    assert breaker_store.open_state(SERVICE_SID) is None
    assert [breaker_store.total_since(SERVICE_SID, c, "2026") for c in ("deletions", "config_errors")] == [0, 0]
    assert breaker_store.open_state(OTHER_SERVICE) is not None  # the other service's breaker is left alone
    assert breaker_store.total_since(OTHER_SERVICE, "deletions", "2026") == 3
    assert breaker_store.reset(SERVICE_SID) is None  # already closed
    assert breaker_store.trip(BreakerState(SERVICE_SID, "2026-11-25T12:00:00Z", "new storm")) is True
