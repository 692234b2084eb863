"""The registry backfill from the Verify API: what it records, and that running it again changes nothing wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from factor_cleanup.services.backfill import backfill_registry
from tests.conftest import IDENTITY, SERVICE_SID
from tests.fakes import FakeRegistry, FakeVerify

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
VERIFIED, PENDING, ELSEWHERE = "YF" + "1" * 32, "YF" + "2" * 32, "YF" + "3" * 32


def verify_with_factors() -> FakeVerify:
    verify = FakeVerify()
    verify.add_factor(
        SERVICE_SID,
        IDENTITY,
        VERIFIED,
        platform="apn",
        created=T0 - timedelta(days=120),
        updated=T0 - timedelta(days=119),
    )
    verify.add_factor(SERVICE_SID, IDENTITY, PENDING, status="unverified", created=T0 - timedelta(days=1))
    verify.add_factor("VA" + "0" * 32, IDENTITY, ELSEWHERE)
    return verify


def test_backfill_records_the_managed_services_factors():
    registry = FakeRegistry()
    result = backfill_registry(verify_with_factors(), registry, frozenset({SERVICE_SID}))
    assert result["factors"] == 2 and set(registry.rows) == {VERIFIED, PENDING}
    row = registry.rows[VERIFIED]
    assert (row.status, row.platform, row.identity) == ("verified", "apn", IDENTITY)
    assert (row.created_at, row.last_seen, row.last_seen_via) == (
        "2026-07-28T12:00:00Z",
        "2026-07-29T12:00:00Z",
        "backfill",
    )
    assert registry.rows[PENDING].status == "unverified" and registry.rows[PENDING].last_seen is None


def test_running_it_again_keeps_newer_evidence_and_deletions():
    registry = FakeRegistry()
    backfill_registry(verify_with_factors(), registry, frozenset({SERVICE_SID}))
    registry.mark_seen(VERIFIED, T0, "challenge.approved")
    registry.mark_deleted(PENDING, T0, "user", confirmed=True)
    backfill_registry(verify_with_factors(), registry, frozenset({SERVICE_SID}))
    assert registry.rows[VERIFIED].last_seen == "2026-11-25T12:00:00Z"
    assert registry.rows[PENDING].deleted and registry.rows[PENDING].deletion_confirmed
