"""Circuit breaker per Verify Service: a storm of deletions, or of configuration errors, stops deleting.

A bug, a credential mistake or forged traffic at scale could wipe every user's second factor, and a
deleted factor cannot be restored. So each service may delete at most MAX_DELETIONS_PER_HOUR factors
in any sliding hour; past that, or after CONFIG_ERROR_TRIP_COUNT configuration errors in an hour, the
breaker opens and the service's deletions become `would_delete` until an operator resets it.

Counts live in per-minute slots (a sliding hour is the sum of the last 60), each a reservation taken
*before* the DELETE: concurrent workers can only err on the side of deleting less.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import structlog

from factor_cleanup.domain.actions import iso_utc

log = structlog.get_logger(__name__)

DELETIONS = "deletions"
CONFIG_ERRORS = "config_errors"
WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class BreakerState:
    service_sid: str
    tripped_at: str
    reason: str


class BreakerStore(Protocol):
    def add(self, service_sid: str, counter: str, minute: str, amount: int) -> None:
        """Atomically add `amount` to the counter's slot for `minute` (YYYY-MM-DDTHH:MM)."""

    def total_since(self, service_sid: str, counter: str, first_minute: str) -> int:
        """Sum of the counter's slots from `first_minute` on."""

    def open_state(self, service_sid: str) -> BreakerState | None:
        """The trip, if the breaker is open."""

    def trip(self, state: BreakerState) -> bool:
        """Open the breaker unless it already is; True when this call opened it."""

    def reset(self, service_sid: str) -> BreakerState | None:
        """Close the breaker and forget its counts; returns the trip it closed, if any."""


def minute_of(moment: datetime) -> str:
    return iso_utc(moment)[:16]


class CircuitBreaker:
    def __init__(self, store: BreakerStore, max_deletions_per_hour: int, config_error_trip_count: int) -> None:
        self._store = store
        self._max_deletions = max_deletions_per_hour
        self._max_config_errors = config_error_trip_count

    def reserve_deletion(self, service_sid: str, now: datetime) -> str | None:
        """None when this deletion may go ahead (and is counted); else why the breaker holds it back."""
        state = self._store.open_state(service_sid)
        if state:
            return _held_back(state)
        self._store.add(service_sid, DELETIONS, minute_of(now), 1)
        deletions = self._store.total_since(service_sid, DELETIONS, minute_of(now - WINDOW))
        if deletions <= self._max_deletions:
            return None
        self._store.add(service_sid, DELETIONS, minute_of(now), -1)  # this one does not happen
        reason = f"{deletions} deletions within an hour exceed MAX_DELETIONS_PER_HOUR={self._max_deletions}"
        return _held_back(self._trip(service_sid, reason, now))

    def release_deletion(self, service_sid: str, reserved_at: datetime) -> None:
        """The DELETE did not happen (404, refused, retry later): give its place back."""
        self._store.add(service_sid, DELETIONS, minute_of(reserved_at), -1)

    def note_configuration_error(self, service_sid: str, now: datetime) -> None:
        """A surge of configuration errors means something is broken at the service: stop deleting."""
        self._store.add(service_sid, CONFIG_ERRORS, minute_of(now), 1)
        errors = self._store.total_since(service_sid, CONFIG_ERRORS, minute_of(now - WINDOW))
        if errors >= self._max_config_errors and not self._store.open_state(service_sid):
            reason = f"{errors} configuration errors within an hour reach CONFIG_ERROR_TRIP_COUNT={self._max_config_errors}"
            self._trip(service_sid, reason, now)

    def _trip(self, service_sid: str, reason: str, now: datetime) -> BreakerState:
        state = BreakerState(service_sid, iso_utc(now), reason)
        if self._store.trip(state):
            log.error("breaker_tripped", service_sid=service_sid, reason=reason)
        return self._store.open_state(service_sid) or state


def _held_back(state: BreakerState) -> str:
    return (f"circuit breaker open for {state.service_sid} since {state.tripped_at} ({state.reason}); "
            f"nothing deleted. After checking, reset it: make breaker-reset SERVICE={state.service_sid}")  # fmt: skip
