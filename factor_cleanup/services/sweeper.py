"""The inactivity sweeper: finds verified factors not seen for INACTIVE_DAYS and queues each for a decision.

It only reads the registry's sweep index and writes queue messages; the worker checks each
candidate's challenges through the Verify API just before deciding, with the same policy, mode,
idempotency and ledger as push failures. A candidate's event id is the same for every sweep of the
day while its last_seen stands still, so two sweeps at once (or a Scheduler retry) decide once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import structlog

from factor_cleanup.domain.decision_record import iso_utc
from factor_cleanup.domain.factors import FactorRecord
from factor_cleanup.domain.inactivity import InactivityRule
from factor_cleanup.domain.messages import InactiveCandidate
from factor_cleanup.domain.ports import Clock, FactorRegistry, WorkQueue

log = structlog.get_logger(__name__)

EVENT_IDS_REPORTED = 100  # the report lists this many event ids, enough to follow a small run end to end


@dataclass
class SweepReport:
    swept_at: str
    seen_before: str
    services: list[str]
    candidates_read: int = 0
    enqueued: int = 0
    kept: int = 0
    complete: bool = True
    event_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Sweeper:
    registry: FactorRegistry
    queue: WorkQueue
    clock: Clock
    services: frozenset[str]
    rule: InactivityRule = field(default_factory=InactivityRule)
    page_size: int = 100
    reserve_seconds: float = 15.0

    def sweep(
        self, scheduled_at: datetime | None = None, seconds_left: Callable[[], float] = lambda: math.inf
    ) -> SweepReport:
        """Queue every candidate of every managed service; stop early (complete=False) when time runs out."""
        swept_at = scheduled_at or self.clock.now()
        cutoff = self.rule.cutoff(self.clock.now())
        report = SweepReport(iso_utc(swept_at), iso_utc(cutoff), sorted(self.services))
        for service_sid in report.services:
            for record in self.registry.stale_factors(service_sid, cutoff, self.page_size):
                report.candidates_read += 1
                if seconds_left() < self.reserve_seconds:
                    report.complete = False  # the rest stay candidates: the next run picks them up
                    break
                self._enqueue(record, swept_at, report)
            if not report.complete:
                break
        log.info("sweep_finished", **{k: v for k, v in report.as_dict().items() if k != "event_ids"})
        return report

    def _enqueue(self, record: FactorRecord, swept_at: datetime, report: SweepReport) -> None:
        if record.factor_type not in (None, "push"):  # the index holds push factors only (its projection does not
            report.kept += 1  # carry the type, so None here); the worker checks the type again before any DELETE
            return
        if record.platform not in (None, "apn"):  # inactivity is iOS's evidence; the worker checks Verify's word
            report.kept += 1
            return
        if not (record.service_sid and record.identity and record.last_seen):
            report.kept += 1  # cannot be checked without its identity; a factor.verified event will complete it
            log.warning("sweep_candidate_incomplete", factor_sid=record.factor_sid)
            return
        event_id = InactiveCandidate.event_id_for(record.factor_sid, record.last_seen, iso_utc(swept_at)[:10])
        self.queue.send(
            InactiveCandidate(
                event_id=event_id,
                factor_sid=record.factor_sid,
                service_sid=record.service_sid,
                identity=record.identity,
                last_seen=record.last_seen,
                platform=record.platform,
                swept_at=iso_utc(swept_at),
            )
        )
        report.enqueued += 1
        if len(report.event_ids) < EVENT_IDS_REPORTED:
            report.event_ids.append(event_id)
