"""The circuit breaker on DynamoDB (moto): the store's counts and trips, a real breaker, and the CLI around it."""

from __future__ import annotations

import pytest
from moto import mock_aws

from factor_cleanup.adapters.aws.breaker_store import DynamoDbBreakerStore
from tests.aws import local_aws
from tests.conftest import SERVICE_SID
from tests.support.breaker import failure, service


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
