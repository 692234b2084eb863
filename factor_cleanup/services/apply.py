"""`apply`: carry out exactly the `would_delete` decisions ops reviewed, each decided again through the queue.

The review is the approval, for those factors only. Each reviewed decision goes back on the work queue as
the message that led to it (a push failure, or an inactive candidate for the sweeper's), naming the
reviewed decision in `reviewed_event_sid`. The worker checks the ledger holds that decision, then decides
as for any message: liveness since the evidence, the registry, the type, the identity and the breaker all
still apply, and report-only mode lets this one factor go.

A re-run applies nothing twice: a decision whose latest application deleted the factor, found it gone or
kept it is settled and not queued again, and a message's event id is derived from the reviewed decision
and the attempt, so the worker's idempotency decides a repeated attempt once. Only an application the
breaker held back (`would_delete` again) or Verify refused (`failed`) is tried again, under the next attempt.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from factor_cleanup.domain.decision_record import DecisionRecord, Outcome, iso_utc
from factor_cleanup.domain.messages import InactiveCandidate, PushFailure, apply_event_id
from factor_cleanup.domain.ports import Ledger, Unqueued, WorkQueue
from factor_cleanup.reports.tally import Period

SETTLED = frozenset({Outcome.DELETED.value, Outcome.ALREADY_GONE.value, Outcome.SKIPPED.value})
QUEUED, APPLIED, KEPT, OVER_LIMIT = "queued", "already applied", "kept when applied", "over --limit"


@dataclass(frozen=True)
class Planned:
    """A reviewed decision and what `apply` does with it: queue it (with `message`) or say why not."""

    reviewed: DecisionRecord
    status: str
    attempt: int = 1
    application: DecisionRecord | None = None
    """The latest decision that applied this one, if any."""

    def message(self, now: datetime) -> PushFailure | InactiveCandidate:
        """The message that re-decides exactly the reviewed factor, under the id of this attempt."""
        row = self.reviewed
        event_id = apply_event_id(row.event_id, self.attempt)
        if row.source == "sweeper":
            return InactiveCandidate(
                event_id=event_id,
                factor_sid=row.factor_sid,
                service_sid=row.service_sid,
                identity=row.identity,
                last_seen=row.evidence_at or row.at,
                platform=row.platform,
                swept_at=iso_utc(now),
                reviewed_event_id=row.event_id,
            )
        return PushFailure(
            event_id=event_id,
            source=row.source or "debugger",
            occurred_at=row.evidence_at,
            error_code=row.error_code,
            platform=row.platform,
            service_sid=row.service_sid,
            identity=row.identity,
            factor_sid=row.factor_sid,
            reviewed_event_id=row.event_id,
        )


@dataclass
class ApplyPlan:
    period: Period
    rows: list[Planned] = field(default_factory=list)

    @property
    def to_queue(self) -> list[Planned]:
        return [row for row in self.rows if row.status == QUEUED]

    def by_service(self) -> dict[str, Counter[str]]:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for row in self.rows:
            counts[row.reviewed.service_sid or "-"][row.status] += 1
        return dict(sorted(counts.items()))


def plan(ledger: Ledger, period: Period, services: frozenset[str] = frozenset(), limit: int | None = None) -> ApplyPlan:
    """Every reviewable `would_delete` decision of the period (of `services`, when given), oldest first."""
    reviewed: list[DecisionRecord] = []
    applications: dict[str, list[DecisionRecord]] = defaultdict(list)
    for action in ledger.records_between(period.start, period.end):
        if action.reviewed_event_id:
            applications[action.reviewed_event_id].append(action)
        elif action.outcome == Outcome.WOULD_DELETE and (not services or action.service_sid in services):
            reviewed.append(action)
    result, queued = ApplyPlan(period), 0
    for row in reviewed:
        planned = _planned(row, applications.get(row.event_id, []))
        if planned.status == QUEUED:
            if limit is not None and queued >= limit:
                planned = Planned(row, OVER_LIMIT, planned.attempt, planned.application)
            queued += planned.status == QUEUED
        result.rows.append(planned)
    return result


def _planned(row: DecisionRecord, applied: list[DecisionRecord]) -> Planned:
    if not applied:
        return Planned(row, QUEUED)
    latest = max(applied, key=lambda action: (action.at, action.event_id))
    if latest.outcome in SETTLED:
        return Planned(row, APPLIED if latest.outcome != Outcome.SKIPPED else KEPT, len(applied), latest)
    return Planned(row, QUEUED, len(applied) + 1, latest)  # held back by the breaker, or refused: try again


def send(plan_: ApplyPlan, queue: WorkQueue, now: datetime) -> list[Unqueued]:
    """Queue every planned message; returns those the queue did not store (a re-run sends them again)."""
    return queue.send_batch([row.message(now) for row in plan_.to_queue])
