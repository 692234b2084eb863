"""In-memory stand-ins for the core's ports: fast, and each one records what the core asked of it."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Iterator

from factor_cleanup.actions import Action
from factor_cleanup.messages import QueueMessage
from factor_cleanup.ports import QueueUnavailable, VerifyNotFound


class FakeQueue:
    def __init__(self, down: bool = False) -> None:
        self.sent: list[QueueMessage] = []
        self.down = down

    def send(self, message: QueueMessage) -> None:
        if self.down:
            raise QueueUnavailable("fake queue is down")
        self.sent.append(message)


class FakeLedger:
    def __init__(self) -> None:
        self.rows: dict[str, Action] = {}

    def record(self, action: Action) -> None:
        self.rows[action.event_sid] = action

    def actions_between(self, start: datetime, end: datetime) -> Iterator[Action]:
        from factor_cleanup.actions import iso_utc

        first, last = iso_utc(start), iso_utc(end)
        yield from sorted((a for a in self.rows.values() if first <= a.at < last), key=lambda a: a.at)


class FakeVerify:
    """Knows which factors exist; `errors` is a list of exceptions to raise on the next calls, in order."""

    def __init__(self, factors: set[tuple[str, str, str]] | None = None) -> None:
        self.factors = set(factors or ())
        self.calls: list[tuple[str, str, str]] = []
        self.errors: list[Exception] = []
        self._lock = threading.Lock()

    def delete_factor(self, service_sid: str, identity: str, factor_sid: str) -> None:
        key = (service_sid, identity, factor_sid)
        with self._lock:
            self.calls.append(key)
            if self.errors:
                raise self.errors.pop(0)
            if key not in self.factors:
                raise VerifyNotFound(f"{factor_sid} not found")
            self.factors.remove(key)


class FixedClock:
    def __init__(self, moment: datetime | None = None) -> None:
        self.moment = moment or datetime(2026, 11, 25, 12, 0, 0, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)
