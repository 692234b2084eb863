"""Start only the records of a batch that can finish before the invocation's deadline.

When Verify slows down, the records of one batch share VERIFY_MAX_IN_FLIGHT calls: 100 records × 10 s
÷ 16 ≈ 63 s, past the worker's 60 s. A timed-out invocation returns every record of its batch, each one
receive closer to the dead-letter queue. The gate admits a record only while a worst-case bound says
every admitted record still ends in time, and hands back the others before they touch anything.

The bound: every Verify call may take the whole VERIFY_TIMEOUT_SECONDS; a record waits for a slot only
while all slots serve other admitted records, so each of them ends within (their calls' time ÷ slots)
+ its own calls + its DynamoDB work, all counted in full from the moment of the latest admission.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

# The most Verify calls one message of each kind makes (cleanup.py: a push failure reads the factor before
# its DELETE; a candidate fetches, lists challenges, deletes); test_worker_deadline checks it.
VERIFY_CALLS = {"push_failure": 2, "inactive_candidate": 3, "verify_event": 0, "app_activity": 0}
MOST_VERIFY_CALLS = max(VERIFY_CALLS.values())


class NotStarted(Exception):
    """The record was handed back untouched: it could not have ended before the invocation's deadline."""


@dataclass(frozen=True)
class RecordBudget:
    """What one record may cost. The defaults are the settings' defaults."""

    verify_timeout_seconds: float = 10.0  # VERIFY_TIMEOUT_SECONDS
    verify_slots: int = 16  # VERIFY_MAX_IN_FLIGHT
    record_overhead_seconds: float = 3.0  # a record's DynamoDB work: idempotency, registry, breaker, ledger
    reserve_seconds: float = 2.0  # kept for answering the batch after its last record

    def gate(self, remaining_millis: Callable[[], int] | None) -> DeadlineGate:
        return DeadlineGate(self, remaining_millis)


class DeadlineGate:
    """One per invocation. `remaining_millis` is the Lambda context's clock; None admits everything."""

    def __init__(self, budget: RecordBudget, remaining_millis: Callable[[], int] | None) -> None:
        self._budget = budget
        self._remaining_millis = remaining_millis
        self._running: Counter[int] = Counter()  # Verify calls per running record -> how many such records
        self._changed = threading.Condition()
        self.not_started = 0

    @contextmanager
    def admitted(self, kind: str) -> Iterator[None]:
        """Wait until the record fits, then run it to its end; raise NotStarted once it can no longer fit."""
        calls = VERIFY_CALLS.get(kind, MOST_VERIFY_CALLS)
        with self._changed:
            self._wait_for_room(calls)
            self._running[calls] += 1
        try:
            yield
        finally:
            with self._changed:
                self._running[calls] -= 1
                self._changed.notify_all()

    def _wait_for_room(self, calls: int) -> None:
        mine = Counter({calls: 1})
        while self._spare_seconds(self._running + mine) < 0:
            alone = self._spare_seconds(mine)
            if alone < 0:  # time only runs out: even an idle worker could not end this record in time now
                self.not_started += 1
                raise NotStarted(f"{calls} Verify call(s) cannot end within the {self._seconds_left():.1f} s left")
            self._changed.wait(timeout=alone)  # until a running record ends, or this one could no longer fit

    def _spare_seconds(self, running: Counter[int]) -> float:
        """Seconds left over if `running` records all took their worst case from now on (inf without a deadline)."""
        left = self._seconds_left()
        if left == float("inf"):
            return left
        budget, call = self._budget, self._budget.verify_timeout_seconds
        shared = sum(calls * records for calls, records in running.items()) * call / budget.verify_slots
        longest = max((calls for calls, records in running.items() if records > 0), default=0) * call
        worst = shared + longest * (1 - 1 / budget.verify_slots) + budget.record_overhead_seconds
        return left - budget.reserve_seconds - worst

    def _seconds_left(self) -> float:
        return self._remaining_millis() / 1000 if self._remaining_millis else float("inf")
