"""Whoever may only report activity can never cause a deletion (issue 11, finding 3).

Backends get sqs:SendMessage on the activity queue, whose consumer can only move last_seen forward;
the work queue, whose messages can delete, takes messages from push-janitor's own functions alone.
"""

from __future__ import annotations

import json

from factor_cleanup.local.template import load_template
from tests.aws import TEMPLATE


def test_post_app_activity_goes_to_the_activity_queue_not_the_work_queue():
    from tests.fakes import FakeQueue
    from tests.support import activity as activity_api

    service, activity_queue = activity_api.make_service()
    service.queue = work_queue = FakeQueue()
    status, _ = activity_api.post(service, activity_api.report())
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
    resources = load_template(TEMPLATE)["Resources"]
    function = resources["ActivityFunction"]["Properties"]
    assert function["Role"] == {"Fn::GetAtt": ["ActivityFunctionRole", "Arn"]}
    granted = json.dumps(resources["ActivityFunctionRole"]["Properties"]["Policies"])
    assert "ActivityQueue" in granted
    for resource in ("LedgerTable", "SafetyTable", "WorkQueue", "TwilioAuthTokenParameter", "TwilioApiKey"):
        assert resource not in granted
    assert set(function["Environment"]["Variables"]) <= {
        "ACTIVITY_QUEUE_URL",
        "IDEMPOTENCY_TABLE",
        "IDEMPOTENCY_WINDOW_SECONDS",
        "REGISTRY_TABLE",
        "WORKER_RECORD_CONCURRENCY",
    }


def test_the_readme_grants_backends_the_activity_queue_only():
    readme = (TEMPLATE.parents[1] / "README.md").read_text()
    assert "`sqs:SendMessage` on\n`ActivityQueueArn`" in readme or "`sqs:SendMessage` on `ActivityQueueArn`" in readme
    assert "on `WorkQueueArn`" not in readme
