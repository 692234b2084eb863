"""What the Verify emulator knows beyond resources: credentials, traffic counters, faults, demo data."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from factor_cleanup.local.verify_emulator_data import VerifyData
from factor_cleanup.local.verify_emulator_records import utc_now

DEMO_ACCOUNT_SID = "ACdeadbeefdeadbeefdeadbeefdeadbeef"
DEMO_SERVICE_SID = "VAdeadbeefdeadbeefdeadbeefdeadbeef"
DEMO_IDENTITY = "demo-user-0001"
DEMO_DEAD_FACTOR_SID = "YFdeadbeefdeadbeefdeadbeefdead0001"
DEMO_LIVE_FACTOR_SID = "YFdeadbeefdeadbeefdeadbeefdead0002"
DEMO_IOS_STALE_FACTOR_SID = "YFdeadbeefdeadbeefdeadbeefdead0003"


@dataclass
class Faults:
    """Injected latency and errors, so retry and back-off paths can be exercised on one machine."""

    latency_ms: int = 0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (429, 500, 503)
    retry_after: int | None = None

    def validate(self) -> None:
        """Refuse settings that would make the emulator misbehave instead of failing loudly."""
        if self.latency_ms < 0 or not 0.0 <= self.error_rate <= 1.0:
            raise ValueError("latency_ms must be >= 0 and error_rate within [0, 1]")
        if not self.error_statuses or any(not 400 <= s <= 599 for s in self.error_statuses):
            raise ValueError("error_statuses must be a non-empty list of HTTP statuses 400-599 (no timeouts)")
        if self.retry_after is not None and self.retry_after < 0:
            raise ValueError("retry_after must be >= 0 seconds")


class EmulatorState(VerifyData):
    """Resources plus credentials, traffic counters and faults, all behind the same lock."""

    def __init__(
        self,
        credentials: Iterable[tuple[str, str]] = (),
        clock: Callable[[], datetime] = utc_now,
        seed: int | None = None,
    ) -> None:
        self.credentials: set[tuple[str, str]] = set(credentials)
        self._random = random.Random(seed)
        super().__init__(clock)

    def reset(self) -> None:
        """Forget resources, counters and faults (credentials stay) so each test starts clean."""
        with self.lock:
            super().reset()
            self.delete_counts: Counter[str] = Counter()
            self.deleted_counts: Counter[str] = Counter()
            self.faults = Faults()
            self.in_flight = 0
            self._max_in_flight = 0

    def is_authorized(self, username: str | None, password: str | None) -> bool:
        """Check a Basic auth pair; with no credentials configured any non-empty pair passes."""
        if not username or not password:
            return False
        with self.lock:
            return not self.credentials or (username, password) in self.credentials

    def enter_request(self) -> None:
        """Count a Verify API request in flight, remembering the highest concurrency seen."""
        with self.lock:
            self.in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self.in_flight)

    def leave_request(self) -> None:
        """Count a Verify API request as finished."""
        with self.lock:
            self.in_flight -= 1

    @property
    def max_in_flight(self) -> int:
        """Highest number of Verify API requests seen at once, to test client concurrency limits."""
        with self.lock:
            return self._max_in_flight

    def count_delete(self, factor_sid: str) -> None:
        """Record one DELETE call on a factor URL (every authenticated call, whatever its answer)."""
        with self.lock:
            self.delete_counts[factor_sid] += 1

    def delete_calls(self, factor_sid: str) -> int:
        """How many DELETE calls a factor URL received, to test idempotency and retries."""
        with self.lock:
            return self.delete_counts[factor_sid]

    def delete_factor(self, service_sid: str, identity: str, sid: str) -> bool:
        """Delete as VerifyData does, counting each deletion that happened (a DELETE answered 204)."""
        with self.lock:
            deleted = super().delete_factor(service_sid, identity, sid)
            self.deleted_counts[sid] += deleted
            return deleted

    def successful_deletes(self, factor_sid: str) -> int:
        """How many times a factor was actually deleted: more than 1 means a delete was not idempotent."""
        with self.lock:
            return self.deleted_counts[factor_sid]

    def set_faults(
        self,
        latency_ms: int = 0,
        error_rate: float = 0.0,
        error_statuses: Iterable[int] = (429, 500, 503),
        retry_after: int | None = None,
    ) -> Faults:
        """Replace the injected faults; calling it with no arguments makes the API healthy again."""
        faults = Faults(
            int(latency_ms),
            float(error_rate),
            tuple(int(s) for s in error_statuses),
            None if retry_after is None else int(retry_after),
        )
        faults.validate()
        with self.lock:
            self.faults = faults
        return faults

    def pick_fault(self) -> int | None:
        """Decide whether this request fails, and with which status."""
        with self.lock:
            if self.faults.error_rate <= 0 or self._random.random() >= self.faults.error_rate:
                return None
            return self._random.choice(self.faults.error_statuses)

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready view of what tests and demos check: factors, delete calls, concurrency."""
        with self.lock:
            factors = [
                {key: f[key] for key in ("sid", "service_sid", "identity", "status", "date_created")}
                | {"notification_platform": f["config"]["notification_platform"]}
                for f in self.factors.values()
            ]
            tables = ("services", "entities", "factors", "challenges", "webhooks")
            return {
                "factors": factors,
                "delete_calls": dict(self.delete_counts),
                "successful_deletes": dict(self.deleted_counts),
                "max_in_flight": self._max_in_flight,
                "in_flight": self.in_flight,
                "faults": asdict(self.faults),
                "counts": {name: len(getattr(self, name)) for name in tables},
            }


def seed_demo(state: EmulatorState, account_sid: str = DEMO_ACCOUNT_SID) -> dict[str, Any]:
    """Create the demo service, user and three factors with fixed SIDs that sample events refer to."""
    now = state.clock()
    state.add_service(DEMO_SERVICE_SID, "push-janitor demo", account_sid)
    add = state.add_factor
    dead = add(
        DEMO_SERVICE_SID,
        DEMO_IDENTITY,
        "fcm",
        created=now - timedelta(days=45),
        sid=DEMO_DEAD_FACTOR_SID,
        friendly_name="Pixel 7 (app uninstalled)",
    )
    live = add(
        DEMO_SERVICE_SID,
        DEMO_IDENTITY,
        "apn",  # iOS, as the silent one: the inactivity sweep checks both and keeps this one
        created=now - timedelta(days=60),
        sid=DEMO_LIVE_FACTOR_SID,
        friendly_name="iPhone 15 (in use)",
    )
    ios = add(
        DEMO_SERVICE_SID,
        DEMO_IDENTITY,
        "apn",
        created=now - timedelta(days=120),
        sid=DEMO_IOS_STALE_FACTOR_SID,
        friendly_name="iPhone 12 (silent for 90+ days)",
    )
    challenge = state.add_challenge
    challenge(DEMO_SERVICE_SID, DEMO_IDENTITY, dead["sid"], "approved", created=now - timedelta(days=20))
    challenge(DEMO_SERVICE_SID, DEMO_IDENTITY, live["sid"], "approved", created=now - timedelta(hours=1))
    challenge(DEMO_SERVICE_SID, DEMO_IDENTITY, ios["sid"], "approved", created=now - timedelta(days=100))
    for days_ago in (30, 20, 10):
        challenge(DEMO_SERVICE_SID, DEMO_IDENTITY, ios["sid"], "expired", created=now - timedelta(days=days_ago))
    return {
        "account_sid": account_sid,
        "service_sid": DEMO_SERVICE_SID,
        "identity": DEMO_IDENTITY,
        "factors": {"dead": dead["sid"], "live": live["sid"], "ios_stale": ios["sid"]},
    }
