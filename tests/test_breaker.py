"""The circuit breaker: a storm of deletions or configuration errors holds a service's deletions back."""

from __future__ import annotations

import pytest
from moto import mock_aws
from structlog.testing import capture_logs

from factor_cleanup.adapters.aws.breaker_store import DynamoDbBreakerStore
from factor_cleanup.services.breaker_ops import reset
from factor_cleanup.domain.messages import PushFailure
from tests.aws import local_aws
from tests.conftest import IDENTITY, SERVICE_SID
from tests.fake_app import fake_app, settings
from tests.fakes import FakeBreakerStore, FakeQueue, FakeVerify, FixedClock

OTHER_SERVICE = "VA" + "e" * 32


def factor(n: int) -> str:
    return "YF" + f"{n:032x}"


def failure(n: int, service: str = SERVICE_SID, code: str = "52103") -> PushFailure:
    return PushFailure(event_id="NO" + f"{n:032x}", source="debugger", error_code=code, service_sid=service,
                       identity=IDENTITY, factor_sid=factor(n), occurred_at="2026-11-25T11:00:00Z")  # fmt: skip


def service(store, limit=5, config_trips=3, clock=None, factors=range(100)):
    verify = FakeVerify({(s, IDENTITY, factor(n)) for n in factors for s in (SERVICE_SID, OTHER_SERVICE)})
    config = settings(verify_service_sids=frozenset({SERVICE_SID, OTHER_SERVICE}), max_deletions_per_hour=limit,
                      config_error_trip_count=config_trips)
    cleanup = fake_app(config, verify=verify, clock=clock or FixedClock(), breaker_store=store).cleanup
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
    cleanup, verify = service(dynamodb_store, limit=3)
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
