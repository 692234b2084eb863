"""Registry rows a sweep runs over (fresh, stale, unverified, another service's, deleted) and a Sweeper at NOW."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from factor_cleanup.domain.decision_record import iso_utc
from factor_cleanup.domain.factors import FactorRecord
from factor_cleanup.domain.inactivity import InactivityRule
from factor_cleanup.services.sweeper import Sweeper
from tests.conftest import SERVICE_SID
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


def sweeper(registry, queue, services=frozenset({SERVICE_SID}), **kwargs) -> Sweeper:
    return Sweeper(registry, queue, FixedClock(NOW), services, InactivityRule(30, 3), **kwargs)
