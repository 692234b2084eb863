"""The activity queue on moto: a push failure forged onto it deletes nothing; the handler applies the sample."""

from __future__ import annotations

import pytest
from moto import mock_aws

from factor_cleanup.domain.factors import FactorRecord
from factor_cleanup.domain.messages import AppActivity, PushFailure
from factor_cleanup.local.events import LocalLambdaContext, sqs_event
from tests.aws import local_aws
from tests.conftest import FACTOR_SID, IDENTITY, SERVICE_SID


@pytest.fixture
def aws(restore_environ):
    with mock_aws():
        stack = local_aws()
        restore_environ.update(stack.env(), ACTIVITY_QUEUE_URL=stack.resources["ActivityQueue"]["url"])
        yield stack


def forged_push_failure() -> str:
    return PushFailure(
        event_id="NO" + "6" * 32,
        source="debugger",
        error_code="52103",
        service_sid=SERVICE_SID,
        identity=IDENTITY,
        factor_sid=FACTOR_SID,
        occurred_at="2026-11-25T11:59:00Z",
    ).model_dump_json()


def activity(at: str = "2026-11-25T11:00:00Z") -> str:
    return AppActivity(factor_sid=FACTOR_SID, occurred_at=at, activity_id="open-1").model_dump_json()


def batch(*bodies: str) -> dict:
    records = [
        {"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": body, "Attributes": {"ApproximateReceiveCount": "1"}}
        for i, body in enumerate(bodies)
    ]
    return sqs_event(records, "arn:aws:sqs:us-east-1:123456789012:activity")


def test_a_push_failure_forged_onto_the_activity_queue_is_refused_and_nothing_is_deleted(aws):
    from factor_cleanup.adapters.aws.registry import DynamoDbFactorRegistry
    from factor_cleanup.runtime import bootstrap

    registry = DynamoDbFactorRegistry(aws.dynamodb, aws.registry_table)
    registry.record_factor(
        FactorRecord(FACTOR_SID, SERVICE_SID, IDENTITY, "push", status="verified", last_seen="2026-11-01T00:00:00Z")
    )
    consumer = bootstrap.build_app().activity_worker
    answer = consumer.handle_batch(batch(forged_push_failure(), activity()), LocalLambdaContext())

    assert answer == {"batchItemFailures": []}  # refused for good, not retried
    row = registry.get(FACTOR_SID)
    assert row is not None and not row.deleted and row.last_seen == "2026-11-25T11:00:00Z"  # only activity applied
    assert aws.dynamodb.scan(TableName=aws.ledger_table)["Items"] == []  # no decision was even recorded


def test_the_activity_handler_applies_the_sample_batch(aws):
    import handlers.activity
    from factor_cleanup.adapters.aws.registry import DynamoDbFactorRegistry
    from factor_cleanup.local.demo import sample_events
    from factor_cleanup.local.verify_emulator_state import DEMO_LIVE_FACTOR_SID

    answer = handlers.activity.handler(sample_events()["activity-sqs-batch.json"], LocalLambdaContext())
    assert answer == {"batchItemFailures": []}
    seen = DynamoDbFactorRegistry(aws.dynamodb, aws.registry_table).get(DEMO_LIVE_FACTOR_SID)
    assert seen is not None and seen.last_seen_via == "app_activity"


def test_the_activity_consumer_has_no_route_that_can_delete(aws):
    from factor_cleanup.runtime import bootstrap

    assert set(bootstrap.build_app().activity_worker.routes) == {"app_activity"}
