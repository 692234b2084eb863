"""The circuit breaker: a storm of deletions or configuration errors holds a service's deletions back."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
import structlog
from moto import mock_aws
from structlog.testing import capture_logs

from factor_cleanup.adapters.aws.breaker_store import DynamoDbBreakerStore
from factor_cleanup.domain.breaker import CircuitBreaker
from factor_cleanup.domain.error_codes import ErrorCodePolicy
from factor_cleanup.domain.messages import PushFailure
from factor_cleanup.services.breaker_ops import reset
from factor_cleanup.services.cleanup import CleanupService
from tests.aws import local_aws
from tests.conftest import IDENTITY, SERVICE_SID
from tests.fakes import FakeBreakerStore, FakeLedger, FakeQueue, FakeVerify, FixedClock

OTHER_SERVICE = "VA" + "e" * 32


def factor(n: int) -> str:
    return "YF" + f"{n:032x}"


def failure(n: int, service: str = SERVICE_SID, code: str = "52103") -> PushFailure:
    return PushFailure(event_id="NO" + f"{n:032x}", source="debugger", error_code=code, service_sid=service,
                       identity=IDENTITY, factor_sid=factor(n), occurred_at="2026-11-25T11:00:00Z")  # fmt: skip


def service(store, limit=5, config_trips=3, clock=None, factors=range(100)):
    verify = FakeVerify({(s, IDENTITY, factor(n)) for n in factors for s in (SERVICE_SID, OTHER_SERVICE)})
    breaker = CircuitBreaker(store, max_deletions_per_hour=limit, config_error_trip_count=config_trips)
    cleanup = CleanupService(FakeLedger(), verify, clock or FixedClock(), ErrorCodePolicy(),
                             frozenset({SERVICE_SID, OTHER_SERVICE}), "delete", breaker=breaker)  # fmt: skip
    return cleanup, verify


def test_a_storm_of_deletions_trips_the_breaker_and_the_rest_are_held_back():
    store = FakeBreakerStore()
    cleanup, verify = service(store, limit=5)
    with capture_logs() as logs:
        outcomes = [cleanup.handle_push_failure(failure(n)).outcome for n in range(12)]
    assert outcomes == ["deleted"] * 5 + ["would_delete"] * 7
    assert len(verify.calls) == 5
    held = cleanup.ledger.rows["NO" + f"{11:032x}"]
    assert held.reason_code == "breaker_open" and "make breaker-reset SERVICE=" + SERVICE_SID in held.reason
    assert [e for e in logs if e["event"] == "breaker_tripped"] and store.open_state(SERVICE_SID)


def test_the_breaker_is_per_service():
    cleanup, _verify = service(FakeBreakerStore(), limit=2)
    for n in range(4):
        cleanup.handle_push_failure(failure(n))
    assert cleanup.handle_push_failure(failure(50, service=OTHER_SERVICE)).outcome == "deleted"


def test_the_window_slides():
    clock = FixedClock()
    cleanup, _ = service(FakeBreakerStore(), limit=2, clock=clock)
    cleanup.handle_push_failure(failure(1))
    cleanup.handle_push_failure(failure(2))
    clock.advance(minutes=61)
    assert cleanup.handle_push_failure(failure(3)).outcome == "deleted"


def test_deletions_that_did_not_happen_give_their_place_back():
    cleanup, _verify = service(FakeBreakerStore(), limit=2, factors=range(0))  # every DELETE answers 404
    outcomes = [cleanup.handle_push_failure(failure(n)).outcome for n in range(5)]
    assert outcomes == ["already_gone"] * 5


def test_a_surge_of_configuration_errors_stops_deletions():
    store = FakeBreakerStore()
    cleanup, verify = service(store, config_trips=3)
    for n in range(3):
        assert cleanup.handle_push_failure(failure(n, code="52143")).outcome == "skipped"
    assert cleanup.handle_push_failure(failure(10)).outcome == "would_delete"
    assert verify.calls == [] and "configuration errors" in store.open_state(SERVICE_SID).reason


def test_reset_lets_deletions_through_and_replays_what_was_held_back():
    store = FakeBreakerStore()
    cleanup, verify = service(store, limit=3)
    for n in range(5):
        cleanup.handle_push_failure(failure(n))
    queue = FakeQueue()
    state, replayed = reset(store, SERVICE_SID, FixedClock().now(), cleanup.ledger, queue)
    assert state is not None and replayed == 2 and store.open_state(SERVICE_SID) is None
    for message in queue.sent:
        assert message.event_id.startswith("NO") and "#after-reset-" in message.event_id
        assert cleanup.handle_push_failure(message).outcome == "deleted"
    assert len(verify.calls) == 5


def test_reset_of_a_closed_breaker_says_so():
    assert reset(FakeBreakerStore(), SERVICE_SID, FixedClock().now()) == (None, 0)


@pytest.fixture
def dynamodb_store():
    with mock_aws():
        aws = local_aws()
        yield DynamoDbBreakerStore(aws.dynamodb, aws.resources["SafetyTable"]["name"])


def test_dynamodb_store_counts_trips_once_and_resets(dynamodb_store):
    from factor_cleanup.domain.breaker import BreakerState

    store = dynamodb_store
    store.add(SERVICE_SID, "deletions", "2026-11-25T11:00", 3)
    store.add(SERVICE_SID, "deletions", "2026-11-25T11:30", 2)
    store.add(SERVICE_SID, "config_errors", "2026-11-25T11:30", 7)
    assert store.total_since(SERVICE_SID, "deletions", "2026-11-25T11:10") == 2
    assert store.total_since(SERVICE_SID, "deletions", "2026-11-25T10:00") == 5
    assert store.trip(BreakerState(SERVICE_SID, "2026-11-25T11:31:00Z", "storm")) is True
    assert store.trip(BreakerState(SERVICE_SID, "2026-11-25T11:32:00Z", "again")) is False
    assert store.open_state(SERVICE_SID).reason == "storm"
    assert store.reset(SERVICE_SID).reason == "storm"
    assert store.open_state(SERVICE_SID) is None and store.total_since(SERVICE_SID, "deletions", "2026") == 0


def test_dynamodb_store_trips_a_real_breaker(dynamodb_store):
    cleanup, _verify = service(dynamodb_store, limit=3)
    outcomes = [cleanup.handle_push_failure(failure(n)).outcome for n in range(6)]
    assert outcomes.count("deleted") == 3 and outcomes.count("would_delete") == 3


def test_cli_shows_and_resets_a_breaker(restore_environ, capsys):
    from factor_cleanup.__main__ import main
    from factor_cleanup.domain.breaker import BreakerState

    with mock_aws():
        aws = local_aws()
        restore_environ.update(aws.env(), SAFETY_TABLE=aws.resources["SafetyTable"]["name"])
        store = DynamoDbBreakerStore(aws.dynamodb, restore_environ["SAFETY_TABLE"])
        assert main(["breaker-status", "--service", SERVICE_SID]) == 0
        store.trip(BreakerState(SERVICE_SID, "2026-11-25T11:31:00Z", "storm"))
        assert main(["breaker-status", "--service", SERVICE_SID]) == 1
        assert "OPEN since 2026-11-25T11:31:00Z: storm" in capsys.readouterr().out
        assert main(["breaker-reset", "--service", SERVICE_SID, "--replay"]) == 0
        assert "breaker closed" in capsys.readouterr().out and store.open_state(SERVICE_SID) is None


# --- the allowance: a floor, and a percentage of the service's verified push factors ----------------------
class Counts:
    """The registry's per-service counters, recording how often the breaker reads them."""

    def __init__(self, **by_service: int) -> None:
        self.by_service = by_service
        self.reads = 0

    def verified_push_count(self, service_sid: str) -> int:
        self.reads += 1
        return self.by_service.get(service_sid, 0)


@pytest.mark.parametrize(("factors", "percent", "allowed"), [
    (1_000_000, 1, 10_000),  # the proportional part
    (500, 1, 100),  # the floor
    (1_000_000, 0.5, 5_000),
    (12_345, 1, 123),  # rounded down
    (1_000_000, 0, 100),  # 0 turns the proportional part off
])  # fmt: skip
def test_the_allowance_is_the_larger_of_the_floor_and_the_percentage(factors, percent, allowed):
    breaker = CircuitBreaker(FakeBreakerStore(), 100, 50, percent, Counts(**{SERVICE_SID: factors}))
    allowance = breaker.allowance(SERVICE_SID, FixedClock().now())
    assert allowance.per_hour == allowed and allowance.floor == 100


def test_without_a_factor_count_the_floor_alone_applies():
    allowance = CircuitBreaker(FakeBreakerStore(), 100, 50, 1.0, None).allowance(SERVICE_SID, FixedClock().now())
    assert (allowance.per_hour, allowance.factors) == (100, None)


def test_a_big_service_deletes_its_percentage_before_the_breaker_trips():
    store = FakeBreakerStore()
    cleanup, verify = service(store, limit=2)
    cleanup.breaker = CircuitBreaker(store, 2, 50, 1.0, Counts(**{SERVICE_SID: 1_000, OTHER_SERVICE: 10}))
    outcomes = [cleanup.handle_push_failure(failure(n)).outcome for n in range(12)]
    assert outcomes == ["deleted"] * 10 + ["would_delete"] * 2
    assert [cleanup.handle_push_failure(failure(50 + n, service=OTHER_SERVICE)).outcome for n in range(3)] == [
        "deleted", "deleted", "would_delete"]  # the small service: its floor  # fmt: skip
    held = cleanup.ledger.rows[failure(11).event_id]
    assert held.reason_code == "breaker_open" and "10" in held.reason and store.open_state(SERVICE_SID)


@contextmanager
def info_logs():
    """Captured log events from INFO up, whatever level an earlier test configured."""
    saved = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    try:
        with capture_logs() as logs:
            yield logs
    finally:
        structlog.configure(**saved)


def test_the_count_is_read_at_most_once_a_minute_and_logged_as_the_allowance():
    counts, clock = Counts(**{SERVICE_SID: 50_000}), FixedClock()
    breaker = CircuitBreaker(FakeBreakerStore(), 100, 50, 1.0, counts)
    with info_logs() as logs:
        for _ in range(3):
            assert breaker.reserve_deletion(SERVICE_SID, clock.now()) is None
        clock.advance(seconds=61)
        breaker.reserve_deletion(SERVICE_SID, clock.now())
    assert counts.reads == 2
    assert [(e["service_sid"], e["allowance"]) for e in logs if e["event"] == "breaker_allowance"] == [(SERVICE_SID, 500)] * 2


def test_status_shows_the_count_the_allowance_and_the_last_hour():
    store, clock = FakeBreakerStore(), FixedClock()
    breaker = CircuitBreaker(store, 100, 50, 1.0, Counts(**{SERVICE_SID: 20_000}))
    for _ in range(3):
        breaker.reserve_deletion(SERVICE_SID, clock.now())
    status = breaker.status(SERVICE_SID, clock.now())
    assert (status.allowance.factors, status.allowance.per_hour, status.deletions_last_hour, status.state) == (
        20_000, 200, 3, None)  # fmt: skip


def test_cli_status_shows_count_allowance_and_what_was_held_back(restore_environ, capsys):
    from factor_cleanup.__main__ import main
    from factor_cleanup.adapters.aws.ledger import DynamoDbLedger
    from factor_cleanup.adapters.aws.registry import DynamoDbFactorRegistry
    from factor_cleanup.domain.factors import FactorRecord

    with mock_aws():
        aws = local_aws()
        restore_environ.update(aws.env(), SAFETY_TABLE=aws.resources["SafetyTable"]["name"], MAX_DELETIONS_PER_HOUR="2",
                               MAX_DELETIONS_PERCENT_PER_HOUR="50")  # fmt: skip
        registry = DynamoDbFactorRegistry(aws.dynamodb, aws.registry_table)
        for n in range(10):
            registry.record_factor(FactorRecord(factor(n), SERVICE_SID, IDENTITY, "push", "fcm", "verified"))
        store = DynamoDbBreakerStore(aws.dynamodb, restore_environ["SAFETY_TABLE"])
        breaker = CircuitBreaker(store, 2, 50, 50, registry)
        cleanup = CleanupService(DynamoDbLedger(aws.dynamodb, aws.ledger_table), FakeVerify({(SERVICE_SID, IDENTITY, factor(n))
                                 for n in range(10)}), FixedClock(datetime.now(timezone.utc)), ErrorCodePolicy(),
                                 frozenset({SERVICE_SID}), "delete", registry=registry, breaker=breaker)  # fmt: skip
        outcomes = [cleanup.handle_push_failure(failure(n)).outcome for n in range(7)]
        assert outcomes == ["deleted"] * 5 + ["would_delete"] * 2

        assert main(["breaker-status", "--service", SERVICE_SID]) == 1
        out = capsys.readouterr().out
    assert "verified push factors: 5" in out  # 10 counted, 5 deleted since
    assert "deletions in the last hour: 5" in out and "held back (breaker_open) in the last 24h: 2" in out
    assert "allowance: 2 deletions an hour (the larger of" in out  # 50% of the 5 left is 2: the floor
