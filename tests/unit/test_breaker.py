"""The circuit breaker: a storm of deletions or configuration errors holds a service's deletions back."""

from __future__ import annotations

from structlog.testing import capture_logs

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
    cleanup, verify = service(FakeBreakerStore(), limit=2)
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
    cleanup, verify = service(FakeBreakerStore(), limit=2, factors=range(0))  # every DELETE answers 404
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
