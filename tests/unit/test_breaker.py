"""The circuit breaker: a storm of deletions or configuration errors holds a service's deletions back."""

from __future__ import annotations

import logging
from contextlib import contextmanager

import pytest
import structlog
from structlog.testing import capture_logs

from factor_cleanup.domain.breaker import CircuitBreaker
from factor_cleanup.services.breaker_ops import reset
from tests.conftest import SERVICE_SID
from tests.fakes import FakeBreakerStore, FakeQueue, FixedClock
from tests.support.breaker import OTHER_SERVICE, failure, service


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


# --- the allowance: a floor, and a percentage of the service's verified push factors ----------------------
class Counts:
    """The registry's per-service counters, recording how often the breaker reads them."""

    def __init__(self, **by_service: int) -> None:
        self.by_service = by_service
        self.reads = 0

    def verified_push_count(self, service_sid: str) -> int:
        self.reads += 1
        return self.by_service.get(service_sid, 0)


@pytest.mark.parametrize(
    ("factors", "percent", "allowed"),
    [
        (1_000_000, 1, 10_000),  # the proportional part
        (500, 1, 100),  # the floor
        (1_000_000, 0.5, 5_000),
        (12_345, 1, 123),  # rounded down
        (1_000_000, 0, 100),  # 0 turns the proportional part off
    ],
)
def test_the_allowance_is_the_larger_of_the_floor_and_the_percentage(factors, percent, allowed):
    breaker = CircuitBreaker(FakeBreakerStore(), 100, 50, percent, Counts(**{SERVICE_SID: factors}))
    allowance = breaker.allowance(SERVICE_SID, FixedClock().now())
    assert allowance.per_hour == allowed and allowance.floor == 100


def test_without_a_factor_count_the_floor_alone_applies():
    allowance = CircuitBreaker(FakeBreakerStore(), 100, 50, 1.0, None).allowance(SERVICE_SID, FixedClock().now())
    assert (allowance.per_hour, allowance.factors) == (100, None)


def test_a_big_service_deletes_its_percentage_before_the_breaker_trips():
    store = FakeBreakerStore()
    cleanup, _verify = service(store, limit=2)
    cleanup.breaker = CircuitBreaker(store, 2, 50, 1.0, Counts(**{SERVICE_SID: 1_000, OTHER_SERVICE: 10}))
    outcomes = [cleanup.handle_push_failure(failure(n)).outcome for n in range(12)]
    assert outcomes == ["deleted"] * 10 + ["would_delete"] * 2
    assert [cleanup.handle_push_failure(failure(50 + n, service=OTHER_SERVICE)).outcome for n in range(3)] == [
        "deleted",
        "deleted",
        "would_delete",
    ]  # the small service: its floor
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
    assert [(e["service_sid"], e["allowance"]) for e in logs if e["event"] == "breaker_allowance"] == [
        (SERVICE_SID, 500)
    ] * 2


def test_status_shows_the_count_the_allowance_and_the_last_hour():
    store, clock = FakeBreakerStore(), FixedClock()
    breaker = CircuitBreaker(store, 100, 50, 1.0, Counts(**{SERVICE_SID: 20_000}))
    for _ in range(3):
        breaker.reserve_deletion(SERVICE_SID, clock.now())
    status = breaker.status(SERVICE_SID, clock.now())
    assert (status.allowance.factors, status.allowance.per_hour, status.deletions_last_hour, status.state) == (
        20_000,
        200,
        3,
        None,
    )


def test_a_release_after_a_breaker_reset_does_not_leave_a_negative_count():
    """A DELETE is in flight (reserved) when ops reset the breaker, which forgets the counts; the DELETE then
    meets a 404 and gives its place back. A count of -1 would let the hour exceed its allowance by one."""
    store, now = FakeBreakerStore(), FixedClock().now()
    breaker = CircuitBreaker(store, max_deletions_per_hour=1, config_error_trip_count=50)
    assert breaker.reserve_deletion(SERVICE_SID, now) is None  # the DELETE in flight
    store.reset(SERVICE_SID)  # make breaker-reset, meanwhile
    breaker.release_deletion(SERVICE_SID, now)  # its 404
    assert breaker.reserve_deletion(SERVICE_SID, now) is None
    assert breaker.reserve_deletion(SERVICE_SID, now) is not None  # the allowance is 1 an hour
