"""Operator side of the circuit breaker: see which services are held back, reset, replay what was held.

A Debugger event is sent once per dead binding, so deletions held back while the breaker was open
would never come again by themselves: `--replay` puts them back on the queue after a reset, with new
event ids, and they go through every check again (the registry's liveness check included).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from factor_cleanup.domain.breaker import BreakerState, BreakerStore
from factor_cleanup.domain.decision_record import DecisionRecord
from factor_cleanup.domain.messages import PushFailure
from factor_cleanup.domain.ports import Ledger, WorkQueue
from factor_cleanup.domain.timestamps import parse_iso
from factor_cleanup.reports.tally import Period

REPLAYABLE_SOURCES = {"debugger", "event_streams"}  # the sweeper finds its candidates again by itself


def held_back_since(ledger: Ledger, service_sid: str, since: datetime, until: datetime) -> Iterator[DecisionRecord]:
    for action in ledger.records_between(since, until):
        if action.service_sid == service_sid and action.reason_code == "breaker_open":
            yield action


def held_back_counts(ledger: Ledger, period: Period) -> Counter[str]:
    """Deletions the breaker held back in the period, per Verify Service (one read of the period)."""
    return Counter(
        a.service_sid or "-"
        for a in ledger.records_between(period.start, period.end)
        if a.reason_code == "breaker_open"
    )


def replay_message(action: DecisionRecord, reset_at: str) -> PushFailure:
    """The held-back push failure again, under an id of its own so idempotency lets it through once."""
    return PushFailure(
        event_id=f"{action.event_id}#after-reset-{reset_at}",
        source=action.source or "debugger",
        occurred_at=action.evidence_at or action.at,  # the original error's time: life since then keeps the factor
        error_code=action.error_code,
        platform=action.platform,
        service_sid=action.service_sid,
        identity=action.identity,
        factor_sid=action.factor_sid,
        reviewed_event_id=action.reviewed_event_id,  # an `apply` the breaker held back stays an approved one
    )


def reset(
    store: BreakerStore, service_sid: str, now: datetime, ledger: Ledger | None = None, queue: WorkQueue | None = None
) -> tuple[BreakerState | None, int]:
    """Close the breaker; with a ledger and a queue, re-queue the push failures it held back."""
    state = store.reset(service_sid)
    if state is None or ledger is None or queue is None:
        return state, 0
    since = parse_iso(state.tripped_at) - timedelta(minutes=1)
    reset_at = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    replayed = 0
    for action in held_back_since(ledger, service_sid, since, now + timedelta(seconds=1)):
        if action.source in REPLAYABLE_SOURCES:
            queue.send(replay_message(action, reset_at))
            replayed += 1
    return state, replayed
