"""Whoever may only report activity can never cause a deletion (issue 11, finding 3).

Backends get sqs:SendMessage on the activity queue, whose consumer can only move last_seen forward;
the work queue, whose messages can delete, takes messages from push-janitor's own functions alone.
"""

from __future__ import annotations

import json

import pytest
from moto import mock_aws

from factor_cleanup.local.events import LocalLambdaContext, sqs_event
from factor_cleanup.local.template import load_template
from factor_cleanup.domain.messages import AppActivity, PushFailure
from factor_cleanup.domain.factors import FactorRecord
from tests.aws import TEMPLATE, local_aws
from tests.conftest import FACTOR_SID, IDENTITY, SERVICE_SID

@pytest.fixture
def aws(restore_environ):
    with mock_aws():
        stack = local_aws()
        restore_environ.update(stack.env(), ACTIVITY_QUEUE_URL=stack.resources["ActivityQueue"]["url"])
        yield stack


def forged_push_failure() -> str:
    return PushFailure(event_id="NO" + "6" * 32, source="debugger", error_code="52103", service_sid=SERVICE_SID,
                       identity=IDENTITY, factor_sid=FACTOR_SID, occurred_at="2026-11-25T11:59:00Z").model_dump_json()


def activity(at: str = "2026-11-25T11:00:00Z") -> str:
    return AppActivity(factor_sid=FACTOR_SID, occurred_at=at, activity_id="open-1").model_dump_json()


def batch(*bodies: str) -> dict:
    records = [{"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": body, "Attributes": {"ApproximateReceiveCount": "1"}}
               for i, body in enumerate(bodies)]  # fmt: skip
    return sqs_event(records, "arn:aws:sqs:us-east-1:123456789012:activity")


def test_a_push_failure_forged_onto_the_activity_queue_is_refused_and_nothing_is_deleted(aws):
    from factor_cleanup.runtime import bootstrap
    from factor_cleanup.adapters.aws.registry import DynamoDbFactorRegistry

    registry = DynamoDbFactorRegistry(aws.dynamodb, aws.registry_table)
    registry.record_factor(FactorRecord(FACTOR_SID, SERVICE_SID, IDENTITY, "push", status="verified",
                                        last_seen="2026-11-01T00:00:00Z"))  # fmt: skip
    consumer = bootstrap.build_app().activity_worker
    answer = consumer.handle_batch(batch(forged_push_failure(), activity()), LocalLambdaContext())

    assert answer == {"batchItemFailures": []}  # refused for good, not retried
    row = registry.get(FACTOR_SID)
    assert row is not None and not row.deleted and row.last_seen == "2026-11-25T11:00:00Z"  # only activity applied
    assert aws.dynamodb.scan(TableName=aws.ledger_table)["Items"] == []  # no decision was even recorded


def test_the_activity_consumer_has_no_route_that_can_delete(aws):
    from factor_cleanup.runtime import bootstrap

    assert set(bootstrap.build_app().activity_worker.routes) == {"app_activity"}


def test_post_app_activity_goes_to_the_activity_queue_not_the_work_queue():
    from tests import test_activity
    from tests.fakes import FakeQueue

    work_queue = FakeQueue()
    service, activity_queue = test_activity.make_service(work_queue=work_queue)
    status, _ = test_activity.post(service, test_activity.report())
    assert status == 202 and [m.kind for m in activity_queue.sent] == ["app_activity"] and work_queue.sent == []


def test_only_push_janitors_functions_may_send_to_the_work_queue():
    resources = load_template(TEMPLATE)["Resources"]
    [statement] = resources["WorkQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert (statement["Effect"], statement["Principal"], statement["Action"]) == ("Deny", "*", "sqs:SendMessage")
    allowed = json.dumps(statement["Condition"]["ArnNotLike"]["aws:PrincipalArn"])
    for sender in ("IngestFunctionRole", "SweeperFunctionRole", "KinesisEventsFunctionRole", "OperatorPrincipalArns"):
        assert sender in allowed
    for other in ("ActivityFunctionRole", "WorkerFunctionRole"):
        assert other not in allowed


def test_the_activity_function_can_reach_nothing_that_deletes():
    function = load_template(TEMPLATE)["Resources"]["ActivityFunction"]["Properties"]
    granted = json.dumps(function["Policies"])
    for resource in ("LedgerTable", "SafetyTable", "WorkQueue", "TwilioAuthTokenParameter", "TwilioApiKey"):
        assert resource not in granted
    assert set(function["Environment"]["Variables"]) <= {"ACTIVITY_QUEUE_URL", "IDEMPOTENCY_TABLE",
                                                          "IDEMPOTENCY_WINDOW_SECONDS", "REGISTRY_TABLE",
                                                          "WORKER_RECORD_CONCURRENCY"}  # fmt: skip


def test_the_readme_grants_backends_the_activity_queue_only():
    readme = (TEMPLATE.parents[1] / "README.md").read_text()
    assert "`sqs:SendMessage` on\n`ActivityQueueArn`" in readme or "`sqs:SendMessage` on `ActivityQueueArn`" in readme
    assert "on `WorkQueueArn`" not in readme


def test_the_activity_handler_applies_the_sample_batch(aws):
    import handlers.activity
    from factor_cleanup.local.demo import sample_events
    from factor_cleanup.local.verify_emulator_state import DEMO_LIVE_FACTOR_SID
    from factor_cleanup.adapters.aws.registry import DynamoDbFactorRegistry

    answer = handlers.activity.handler(sample_events()["activity-sqs-batch.json"], LocalLambdaContext())
    assert answer == {"batchItemFailures": []}
    seen = DynamoDbFactorRegistry(aws.dynamodb, aws.registry_table).get(DEMO_LIVE_FACTOR_SID)
    assert seen is not None and seen.last_seen_via == "app_activity"
