"""The circuit breaker on DynamoDB (moto): the store's counts and trips, a real breaker, and the CLI around it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from moto import mock_aws

from factor_cleanup.adapters.aws.breaker_store import DynamoDbBreakerStore
from tests.aws import local_aws
from tests.conftest import IDENTITY, SERVICE_SID
from tests.fake_app import moto_app, settings
from tests.fakes import FakeVerify, FixedClock
from tests.support.breaker import factor, failure, service


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


def test_cli_status_shows_count_allowance_and_what_was_held_back(restore_environ, capsys):
    from factor_cleanup.__main__ import main
    from factor_cleanup.adapters.aws.registry import DynamoDbFactorRegistry
    from factor_cleanup.domain.factors import FactorRecord

    with mock_aws():
        aws = local_aws()
        restore_environ.update(
            aws.env(),
            SAFETY_TABLE=aws.resources["SafetyTable"]["name"],
            MAX_DELETIONS_PER_HOUR="2",
            MAX_DELETIONS_PERCENT_PER_HOUR="50",
        )
        registry = DynamoDbFactorRegistry(aws.dynamodb, aws.registry_table)
        for n in range(10):
            registry.record_factor(FactorRecord(factor(n), SERVICE_SID, IDENTITY, "push", "fcm", "verified"))
        config = settings(
            safety_table=restore_environ["SAFETY_TABLE"], max_deletions_per_hour=2, max_deletions_percent_per_hour=50
        )
        verify = FakeVerify({(SERVICE_SID, IDENTITY, factor(n)) for n in range(10)})
        cleanup = moto_app(aws, config, verify=verify, clock=FixedClock(datetime.now(UTC))).cleanup
        outcomes = [cleanup.handle_push_failure(failure(n)).outcome for n in range(7)]
        assert outcomes == ["deleted"] * 5 + ["would_delete"] * 2

        assert main(["breaker-status", "--service", SERVICE_SID]) == 1
        out = capsys.readouterr().out
    assert "verified push factors: 5" in out  # 10 counted, 5 deleted since
    assert "deletions in the last hour: 5" in out and "held back (breaker_open) in the last 24h: 2" in out
    assert "allowance: 2 deletions an hour (the larger of" in out  # 50% of the 5 left is 2: the floor
