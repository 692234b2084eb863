"""Every decision ends here: one ledger row naming the factor, the event, the outcome and its reason, and one
`decision` log line (the Decisions metric)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog

from factor_cleanup.domain.decision import Decision
from factor_cleanup.domain.decision_record import DecisionRecord, iso_utc
from factor_cleanup.domain.evidence import Evidence
from factor_cleanup.domain.ports import Ledger

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Target:
    """The factor a decision is about, and the event that asked for it: what the ledger row names."""

    event_id: str
    source: str
    service_sid: str | None
    identity: str | None
    factor_sid: str | None
    error_code: str | None = None
    platform: str | None = None
    reviewed_event_id: str | None = None
    """The reviewed `would_delete` decision this one carries out (`apply`), once the ledger confirmed it."""


def record_decision(
    ledger: Ledger, now: datetime, target: Target, evidence: Evidence, decision: Decision
) -> DecisionRecord:
    evidence_at = evidence.cause.evidence_at
    record = DecisionRecord(
        event_id=target.event_id,
        factor_sid=target.factor_sid,
        service_sid=target.service_sid,
        identity=target.identity,
        error_code=target.error_code,
        outcome=decision.outcome,
        reason=decision.reason,
        reason_code=decision.reason_code.value,
        at=iso_utc(now),
        source=target.source,
        platform=target.platform,
        evidence_at=iso_utc(evidence_at) if evidence_at else None,
        reviewed_event_id=target.reviewed_event_id,
    )
    ledger.record(record)
    log.info(
        "decision",
        event_sid=record.event_id,
        factor_sid=record.factor_sid,
        service_sid=record.service_sid,
        outcome=record.outcome,
        reason_code=record.reason_code,
        source=record.source,
        error_code=record.error_code,
        reviewed_event_id=record.reviewed_event_id,
    )
    return record
