"""Registry rows a sweep runs over (fresh, stale, unverified, another service's, deleted) and a Sweeper at NOW."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from factor_cleanup.domain.decision_record import iso_utc
from factor_cleanup.domain.factors import FactorRecord
from factor_cleanup.services.sweeper import Sweeper
from tests.conftest import SERVICE_SID
from tests.fake_app import fake_app, settings
from tests.fakes import FixedClock

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
OTHER_SERVICE = "VA" + "0" * 32
STALE_IOS = "YF" + "5" * 32


def factor(
    sid: str, days_ago: float, service: str = SERVICE_SID, identity: str | None = None, **changes
) -> FactorRecord:
    seen = iso_utc(NOW - timedelta(days=days_ago))
    fields = dict(
        service_sid=service,
        identity=identity or f"user-{sid[-6:]}",
        factor_type="push",
        platform="apn",
        status="verified",
        verified_at=seen,
        last_seen=seen,
        last_seen_via="backfill",
    )
    return FactorRecord(sid, **{**fields, **changes})


def fill(registry, fresh: int = 50, stale: int = 5) -> set[str]:
    for n in range(fresh):
        registry.record_factor(factor(f"YF{n:032x}", days_ago=n % 29))
    stale_sids = {f"YF{n:032x}" for n in range(1000, 1000 + stale)}
    for n, sid in enumerate(sorted(stale_sids)):
        registry.record_factor(factor(sid, days_ago=31 + n))
    registry.record_factor(factor("YF" + "a" * 32, 90, status="unverified"))
    registry.record_factor(factor("YF" + "b" * 32, 90, service=OTHER_SERVICE))
    registry.record_factor(factor("YF" + "c" * 32, 90))
    registry.mark_deleted("YF" + "c" * 32, NOW, "push-janitor")
    return stale_sids


def sweeper(registry, queue, services=frozenset({SERVICE_SID}), page_size=100) -> Sweeper:
    """The sweeper as build_app makes it, over the given registry and queue, at NOW."""
    config = settings(
        verify_service_sids=services, inactive_days=30, unanswered_challenges=3, sweep_page_size=page_size
    )
    return fake_app(config, registry=registry, work_queue=queue, clock=FixedClock(NOW)).sweeper
