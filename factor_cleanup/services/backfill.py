"""Fills the factor registry from the Verify API, for factors enrolled before push-janitor listened to webhooks.

last_seen starts at the factor's date_updated (its verification or latest token update): a lower
bound, never a guess in the deleting direction. The sweeper reads each candidate's challenges before
deciding, so a factor that answers challenges is kept and its last_seen corrected then. Safe to run
again: registry writes never move last_seen back and never revive a deleted factor.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import structlog

from factor_cleanup.domain.decision_record import iso_utc
from factor_cleanup.domain.factors import FactorRecord
from factor_cleanup.domain.ports import FactorRegistry, VerifyApi

log = structlog.get_logger(__name__)


def backfill_registry(verify: VerifyApi, registry: FactorRegistry, services: frozenset[str]) -> dict[str, Any]:
    """Record every factor of the given services; returns counts per service and status."""
    counts: Counter[str] = Counter()
    for service_sid in sorted(services):
        for factor in verify.list_factors(service_sid):
            verified = factor.status == "verified"
            registry.record_factor(
                FactorRecord(
                    factor_sid=factor.sid,
                    service_sid=service_sid,
                    identity=factor.identity,
                    factor_type=factor.factor_type,
                    platform=factor.platform,
                    status=factor.status,
                    created_at=iso_utc(factor.created_at),
                    verified_at=iso_utc(factor.updated_at) if verified else None,
                    last_seen=iso_utc(factor.updated_at) if verified else None,
                    last_seen_via="backfill" if verified else None,
                )
            )
            counts[f"{service_sid} {factor.status}"] += 1
    result = {"services": sorted(services), "factors": sum(counts.values()), "by_service_and_status": dict(counts)}
    log.info("registry_backfilled", **result)
    return result
