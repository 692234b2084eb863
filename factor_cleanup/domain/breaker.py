"""Circuit breaker per Verify Service: a storm of deletions, or of configuration errors, stops deleting.

A bug, a credential mistake or forged traffic at scale could wipe every user's second factor, and a
deleted factor cannot be restored. So each service may delete at most its allowance in any sliding hour:
MAX_DELETIONS_PER_HOUR, or MAX_DELETIONS_PERCENT_PER_HOUR percent of its verified push factors when that
is more (a big service's ordinary churn must not trip it). Past that, or after CONFIG_ERROR_TRIP_COUNT
configuration errors in an hour, the breaker opens and the service's deletions become `would_delete`
until an operator resets it.

Counts live in per-minute slots (a sliding hour is the sum of the last 60), each a reservation taken
*before* the DELETE: concurrent workers can only err on the side of deleting less.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import structlog

from factor_cleanup.domain.decision_record import iso_utc

log = structlog.get_logger(__name__)

DELETIONS = "deletions"
CONFIG_ERRORS = "config_errors"
WINDOW = timedelta(hours=1)
COUNT_FRESH_FOR = timedelta(minutes=1)
"""How long a service's factor count is reused: it moves slowly, and a reservation should not cost a read."""


@dataclass(frozen=True)
class BreakerState:
    service_sid: str
    tripped_at: str
    reason: str


class BreakerStore(Protocol):
    def add(self, service_sid: str, counter: str, minute: str, amount: int) -> None:
        """Atomically add `amount` to the counter's slot for `minute` (YYYY-MM-DDTHH:MM). A negative amount (a
        place given back) never takes the slot below zero: a reset may have cleared it meanwhile."""

    def total_since(self, service_sid: str, counter: str, first_minute: str) -> int:
        """Sum of the counter's slots from `first_minute` on."""

    def open_state(self, service_sid: str) -> BreakerState | None:
        """The trip, if the breaker is open."""

    def trip(self, state: BreakerState) -> bool:
        """Open the breaker unless it already is; True when this call opened it."""

    def reset(self, service_sid: str) -> BreakerState | None:
        """Close the breaker and forget its counts; returns the trip it closed, if any."""


class FactorCounts(Protocol):
    def verified_push_count(self, service_sid: str) -> int:
        """The service's verified, not deleted push factors, kept as a counter (never a scan)."""


@dataclass(frozen=True)
class Allowance:
    """Deletions a service may make in a sliding hour, and the figures it comes from."""

    per_hour: int
    floor: int
    percent: float
    factors: int | None
    """The service's verified push factors; None when no count is kept (the floor alone applies)."""

    def basis(self) -> str:
        floor = f"MAX_DELETIONS_PER_HOUR={self.floor:,}"
        if self.factors is None or not self.percent:
            return floor
        share = f"MAX_DELETIONS_PERCENT_PER_HOUR={self.percent:g}% of {self.factors:,} verified push factors"
        return f"the larger of {floor} and {share}"

    def explain(self) -> str:
        return f"{self.per_hour:,} ({self.basis()})"


@dataclass(frozen=True)
class BreakerStatus:
    service_sid: str
    state: BreakerState | None
    allowance: Allowance
    deletions_last_hour: int


def minute_of(moment: datetime) -> str:
    return iso_utc(moment)[:16]


class CircuitBreaker:
    def __init__(
        self,
        store: BreakerStore,
        max_deletions_per_hour: int,
        config_error_trip_count: int,
        max_deletions_percent_per_hour: float = 0.0,
        factor_counts: FactorCounts | None = None,
    ) -> None:
        self._store = store
        self._max_deletions = max_deletions_per_hour
        self._max_config_errors = config_error_trip_count
        self._percent = max_deletions_percent_per_hour
        self._counts = factor_counts
        self._count_cache: dict[str, tuple[datetime, int]] = {}

    def allowance(self, service_sid: str, now: datetime) -> Allowance:
        """max(MAX_DELETIONS_PER_HOUR, percent x verified push factors / 100), rounded down."""
        return self._allowance(service_sid, now)[0]

    def status(self, service_sid: str, now: datetime) -> BreakerStatus:
        deletions = self._store.total_since(service_sid, DELETIONS, minute_of(now - WINDOW))
        return BreakerStatus(
            service_sid, self._store.open_state(service_sid), self.allowance(service_sid, now), deletions
        )

    def reserve_deletion(self, service_sid: str, now: datetime) -> str | None:
        """None when this deletion may go ahead (and is counted); else why the breaker holds it back."""
        state = self._store.open_state(service_sid)
        if state:
            return _held_back(state)
        self._store.add(service_sid, DELETIONS, minute_of(now), 1)
        deletions = self._store.total_since(service_sid, DELETIONS, minute_of(now - WINDOW))
        allowance, counted_now = self._allowance(service_sid, now)
        if counted_now:  # the dashboard's DeletionAllowance, about once a minute while a service deletes
            log.info(
                "breaker_allowance", service_sid=service_sid, factors=allowance.factors, allowance=allowance.per_hour
            )
        if deletions <= allowance.per_hour:
            return None
        self._store.add(service_sid, DELETIONS, minute_of(now), -1)  # this one does not happen
        reason = f"{deletions:,} deletions within an hour exceed the allowance of {allowance.explain()}"
        return _held_back(self._trip(service_sid, reason, now))

    def release_deletion(self, service_sid: str, reserved_at: datetime) -> None:
        """The DELETE did not happen (404, refused, retry later): give its place back."""
        self._store.add(service_sid, DELETIONS, minute_of(reserved_at), -1)

    def note_configuration_error(self, service_sid: str, now: datetime) -> None:
        """A surge of configuration errors means something is broken at the service: stop deleting."""
        self._store.add(service_sid, CONFIG_ERRORS, minute_of(now), 1)
        errors = self._store.total_since(service_sid, CONFIG_ERRORS, minute_of(now - WINDOW))
        if errors >= self._max_config_errors and not self._store.open_state(service_sid):
            reason = (
                f"{errors} configuration errors within an hour reach CONFIG_ERROR_TRIP_COUNT={self._max_config_errors}"
            )
            self._trip(service_sid, reason, now)

    def _allowance(self, service_sid: str, now: datetime) -> tuple[Allowance, bool]:
        """The allowance, and whether the factor count was read just now (rather than reused)."""
        factors, counted_now = self._factor_count(service_sid, now)
        share = math.floor(self._percent * factors / 100) if factors is not None else 0
        return Allowance(max(self._max_deletions, share), self._max_deletions, self._percent, factors), counted_now

    def _factor_count(self, service_sid: str, now: datetime) -> tuple[int | None, bool]:
        if self._counts is None or not self._percent:
            return None, False
        cached = self._count_cache.get(service_sid)
        if cached is not None and timedelta(0) <= now - cached[0] < COUNT_FRESH_FOR:
            return cached[1], False
        self._count_cache[service_sid] = (now, self._counts.verified_push_count(service_sid))
        return self._count_cache[service_sid][1], True

    def _trip(self, service_sid: str, reason: str, now: datetime) -> BreakerState:
        state = BreakerState(service_sid, iso_utc(now), reason)
        if self._store.trip(state):
            log.error("breaker_tripped", service_sid=service_sid, reason=reason)
        return self._store.open_state(service_sid) or state


def _held_back(state: BreakerState) -> str:
    return (
        f"circuit breaker open for {state.service_sid} since {state.tripped_at} ({state.reason}); "
        f"nothing deleted. After checking, reset it: make breaker-reset SERVICE={state.service_sid}"
    )
