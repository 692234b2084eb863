"""In-memory stand-ins for the core's ports: fast, and each one records what the core asked of it.

Each fake subclasses the Protocol it stands in for; tests/integration/test_port_contracts.py runs one
contract against the fake and the DynamoDB adapter alike for the Ledger, FactorRegistry and BreakerStore.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from factor_cleanup.domain.breaker import BreakerStore
from factor_cleanup.domain.decision_record import DecisionRecord, iso_utc
from factor_cleanup.domain.factors import Challenge, FactorRecord, VerifyFactor
from factor_cleanup.domain.messages import QueueMessage
from factor_cleanup.domain.ports import (
    Clock,
    FactorRegistry,
    Ledger,
    Notifier,
    QueueStats,
    QueueUnavailable,
    ReportStore,
    Unqueued,
    VerifyApi,
    VerifyNotFound,
    WorkQueue,
)


class FakeQueue(WorkQueue):
    """Keeps what it stored in `sent`, and the retry delays asked for in `delays`. `down` refuses everything;
    `refuse` names event ids whose batch entries fail (as SendMessageBatch lists an entry under Failed) while the
    rest of the batch is stored."""

    def __init__(self, down: bool = False, refuse: set[str] | None = None) -> None:
        self.sent: list[QueueMessage] = []
        self.down = down
        self.refuse = set(refuse or ())
        self.batches = 0
        self.delays: list[tuple[str, int]] = []  # (receipt handle, seconds) of each retry delay asked for

    def send(self, message: QueueMessage) -> None:
        if self.down:
            raise QueueUnavailable("fake queue is down")
        self.sent.append(message)

    def send_batch(self, messages: Sequence[QueueMessage]) -> list[Unqueued]:
        self.batches += 1
        if self.down:
            return [Unqueued(message, "fake queue is down") for message in messages]
        failed = [Unqueued(m, "InternalError: refused by the fake") for m in messages if m.event_id in self.refuse]
        self.sent.extend(m for m in messages if m.event_id not in self.refuse)
        return failed

    def delay_retry(self, receipt_handle: str, seconds: int) -> None:
        self.delays.append((receipt_handle, seconds))


class FakeLedger(Ledger):
    def __init__(self) -> None:
        self.rows: dict[str, DecisionRecord] = {}

    def record(self, action: DecisionRecord) -> None:
        self.rows[action.event_id] = action

    def records_between(self, start: datetime, end: datetime) -> Iterator[DecisionRecord]:
        from factor_cleanup.domain.decision_record import iso_utc

        first, last = iso_utc(start), iso_utc(end)
        yield from sorted((a for a in self.rows.values() if first <= a.at < last), key=lambda a: a.at)

    def get(self, event_id: str) -> DecisionRecord | None:
        return self.rows.get(event_id)


class FakeVerify(VerifyApi):
    """Knows which factors exist and their challenges; `errors` is a list of exceptions to raise on the next
    calls (any method), in order, and `delete_errors` the same for DELETEs only. A slow Verify: each call takes
    `delay_seconds`, on `clock` when one is given (calls hold the fake's lock, so fake time adds up as through a
    single slot), else as a real sleep."""

    def __init__(
        self,
        factors: set[tuple[str, str, str]] | None = None,
        delay_seconds: float = 0.0,
        clock: FixedClock | None = None,
    ) -> None:
        self.delay_seconds = delay_seconds
        self.clock = clock
        self.factors = set(factors or ())
        self.details: dict[str, VerifyFactor] = {}
        self.challenges: dict[str, list[Challenge]] = {}
        self.calls: list[tuple[str, str, str]] = []
        self.reads: list[tuple[str, str]] = []  # (operation, factor or service sid)
        self.errors: list[Exception] = []
        self.delete_errors: list[Exception] = []
        self._lock = threading.Lock()

    def add_factor(
        self,
        service_sid: str,
        identity: str,
        factor_sid: str,
        *,
        status: str = "verified",
        platform: str = "apn",
        created: datetime | None = None,
        updated: datetime | None = None,
        factor_type: str = "push",
    ) -> None:
        created = created or datetime(2026, 1, 1, tzinfo=UTC)
        self.factors.add((service_sid, identity, factor_sid))
        self.details[factor_sid] = VerifyFactor(
            factor_sid, service_sid, identity, status, factor_type, platform, created, updated or created
        )

    def add_challenge(self, factor_sid: str, status: str, created: datetime, responded: datetime | None = None) -> None:
        sid = f"YC{len(self.challenges.get(factor_sid, [])):032x}"
        if status in ("approved", "denied"):
            responded = responded or created + timedelta(seconds=10)
        self.challenges.setdefault(factor_sid, []).append(Challenge(sid, status, created, responded))

    def delete_factor(self, service_sid: str, identity: str, factor_sid: str) -> None:
        key = (service_sid, identity, factor_sid)
        with self._lock:
            self.calls.append(key)
            if self.delete_errors:
                raise self.delete_errors.pop(0)
            self._maybe_fail()
            if key not in self.factors:
                raise VerifyNotFound(f"{factor_sid} not found")
            self.factors.remove(key)

    def fetch_factor(self, service_sid: str, identity: str, factor_sid: str) -> VerifyFactor:
        with self._lock:
            self.reads.append(("fetch_factor", factor_sid))
            self._maybe_fail()
            if (service_sid, identity, factor_sid) not in self.factors:
                raise VerifyNotFound(f"{factor_sid} not found")
            default = VerifyFactor(
                factor_sid,
                service_sid,
                identity,
                "verified",
                "push",
                "apn",
                datetime(2026, 1, 1, tzinfo=UTC),
                datetime(2026, 1, 1, tzinfo=UTC),
            )
            return self.details.get(factor_sid, default)

    def recent_challenges(self, service_sid: str, identity: str, factor_sid: str, limit: int) -> list[Challenge]:
        with self._lock:
            self.reads.append(("recent_challenges", factor_sid))
            self._maybe_fail()
            found = sorted(self.challenges.get(factor_sid, []), key=lambda c: c.created_at, reverse=True)
            return found[:limit]

    def list_factors(self, service_sid: str) -> Iterator[VerifyFactor]:
        self.reads.append(("list_factors", service_sid))
        for service, identity, sid in sorted(self.factors):
            if service == service_sid:
                yield self.fetch_factor(service, identity, sid)

    def _maybe_fail(self) -> None:
        if self.delay_seconds and self.clock:
            self.clock.advance(seconds=self.delay_seconds)
        elif self.delay_seconds:
            time.sleep(self.delay_seconds)
        if self.errors:
            raise self.errors.pop(0)


class FakeRegistry(FactorRegistry):
    """The registry's rules (forward-only last_seen, no revival, sparse sweep index) over a dict.

    `items_read` counts the rows stale_factors hands out, as the DynamoDB adapter counts index items.
    """

    def __init__(self) -> None:
        self.rows: dict[str, FactorRecord] = {}
        self.items_read = 0
        self.gets = 0

    def get(self, factor_sid: str) -> FactorRecord | None:
        self.gets += 1
        return self.rows.get(factor_sid)

    def record_factor(self, factor: FactorRecord) -> None:
        old = self.rows.get(factor.factor_sid) or FactorRecord(factor.factor_sid)
        if old.deleted:
            return
        changes = {
            k: getattr(factor, k) for k in ("service_sid", "identity", "factor_type", "platform") if getattr(factor, k)
        }
        changes["created_at"] = old.created_at or factor.created_at
        if factor.status == "verified":
            changes["status"] = "verified"
            changes["verified_at"] = old.verified_at or factor.verified_at or factor.last_seen or factor.created_at
        else:
            changes["status"] = old.status or factor.status
        self.rows[factor.factor_sid] = replace(old, **changes)
        if factor.last_seen:
            from factor_cleanup.domain.timestamps import parse_iso

            self.mark_seen(factor.factor_sid, parse_iso(factor.last_seen), factor.last_seen_via or "registry")

    def mark_seen(self, factor_sid: str, at: datetime, via: str) -> bool:
        old = self.rows.get(factor_sid) or FactorRecord(factor_sid)
        if old.last_seen and old.last_seen >= iso_utc(at):
            return False
        self.rows[factor_sid] = replace(old, last_seen=iso_utc(at), last_seen_via=via)
        return True

    def mark_deleted(
        self, factor_sid: str, at: datetime, by: str, confirmed: bool = False, event_id: str | None = None
    ) -> None:
        old = self.rows.get(factor_sid) or FactorRecord(factor_sid)
        ours = by == "push-janitor"
        self.rows[factor_sid] = replace(
            old,
            deleted_at=old.deleted_at or iso_utc(at),
            deleted_by=by if ours else (old.deleted_by or by),
            deleted_event=old.deleted_event or (event_id if ours else None),
            deletion_confirmed=old.deletion_confirmed or confirmed,
        )

    def mark_delete_intent(self, factor_sid: str, event_id: str, at: datetime, service_sid: str, identity: str) -> None:
        old = self.rows.get(factor_sid) or FactorRecord(factor_sid)
        if old.delete_intent_event not in (None, event_id):
            self.rows[factor_sid] = replace(old, delete_intent_contested=True)
            return
        self.rows[factor_sid] = replace(
            old,
            delete_intent_event=event_id,
            service_sid=old.service_sid or service_sid,
            identity=old.identity or identity,
        )

    def clear_delete_intent(self, factor_sid: str, event_id: str) -> None:
        old = self.rows.get(factor_sid)
        if old and old.delete_intent_event == event_id:
            self.rows[factor_sid] = replace(old, delete_intent_event=None)

    def verified_push_count(self, service_sid: str) -> int:
        return sum(
            1
            for r in self.rows.values()
            if r.service_sid == service_sid and r.status == "verified" and r.factor_type == "push" and not r.deleted
        )

    def live_factors_of(self, service_sid: str, identity: str) -> list[str]:
        return sorted(
            r.factor_sid
            for r in self.rows.values()
            if (r.service_sid, r.identity) == (service_sid, identity) and r.status == "verified" and not r.deleted
        )

    def stale_factors(self, service_sid: str, seen_before: datetime, page_size: int) -> Iterator[FactorRecord]:
        candidates = [
            r
            for r in self.rows.values()
            if r.service_sid == service_sid
            and r.status == "verified"
            and r.factor_type == "push"
            and r.platform in (None, "apn")
            and not r.deleted
            and r.last_seen
            and r.last_seen < iso_utc(seen_before)
        ]
        for record in sorted(candidates, key=lambda r: r.last_seen or ""):
            self.items_read += 1
            yield record


class FixedClock(Clock):
    def __init__(self, moment: datetime | None = None) -> None:
        self.moment = moment or datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


class FakeLambdaContext:
    """A Lambda context whose remaining time runs on a FixedClock: the timeout minus the fake time passed."""

    function_name = "push-janitor-test"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:push-janitor-test"

    def __init__(self, clock: FixedClock, timeout_seconds: float = 60.0) -> None:
        self.clock = clock
        self.deadline = clock.now() + timedelta(seconds=timeout_seconds)
        self.aws_request_id = f"request-{id(self)}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - self.clock.now()).total_seconds() * 1000))


class FakeQueueStats(QueueStats):
    """A dead-letter queue of a set depth; None stands for a queue that cannot be read."""

    def __init__(self, depth: int | None = 0) -> None:
        self.depth = depth

    def dlq_depth(self) -> int | None:
        return self.depth


class FakeReportStore(ReportStore):
    """Keeps each stored report file's bytes and content type by key."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}

    def put(self, key: str, body, content_type: str) -> str:
        self.files[key] = (body.read(), content_type)
        return f"fake://{key}"

    def open_command(self, location: str) -> str:
        return f"open {location}"

    def text(self, key: str) -> str:
        return self.files[key][0].decode("utf-8")


class FakeNotifier(Notifier):
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, subject: str, text: str) -> None:
        self.sent.append((subject, text))


class FakeBreakerStore(BreakerStore):
    """Counts in a dict; `trip` only opens a closed breaker, as the DynamoDB store's condition does."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, str], int] = {}
        self.states: dict[str, object] = {}

    def add(self, service_sid: str, counter: str, minute: str, amount: int) -> None:
        key = (service_sid, counter, minute)
        if self.counts.get(key, 0) + amount >= 0:  # a place given back never takes a slot below zero
            self.counts[key] = self.counts.get(key, 0) + amount

    def total_since(self, service_sid: str, counter: str, first_minute: str) -> int:
        return sum(n for (s, c, m), n in self.counts.items() if s == service_sid and c == counter and m >= first_minute)

    def open_state(self, service_sid: str):
        return self.states.get(service_sid)

    def trip(self, state) -> bool:
        if state.service_sid in self.states:
            return False
        self.states[state.service_sid] = state
        return True

    def reset(self, service_sid: str):
        self.counts = {k: v for k, v in self.counts.items() if k[0] != service_sid}
        return self.states.pop(service_sid, None)
