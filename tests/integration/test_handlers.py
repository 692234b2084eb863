"""The Lambda handlers as AWS calls them, configured only through the environment, on moto."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from moto import mock_aws

from factor_cleanup.domain.messages import parse_message
from factor_cleanup.local.events import LocalLambdaContext, api_gateway_event
from tests.aws import local_aws
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, BASE_URL, SERVICE_SID, debugger_params
from tests.support.handlers import call_ingest, signed_event


@pytest.fixture
def aws(restore_environ):
    with mock_aws():
        stack = local_aws()
        restore_environ.update(
            stack.env(),
            TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            PUBLIC_BASE_URL=BASE_URL,
            VERIFY_SERVICE_SIDS=SERVICE_SID,
            CLEANUP_MODE="report-only",
        )
        yield stack


def test_ingest_puts_the_event_on_sqs_before_answering_200(aws):
    status, body = call_ingest(signed_event())
    assert status == 200
    [message] = aws.sqs.receive_message(QueueUrl=aws.queue_url)["Messages"]
    assert parse_message(message["Body"]).event_id == body["event_sid"]


def test_queue_down_is_a_503_and_nothing_is_acknowledged(aws, restore_environ):
    restore_environ["QUEUE_URL"] = aws.queue_url.replace("WorkQueue", "QueueThatDoesNotExist")
    status, body = call_ingest(signed_event())
    assert status == 503 and body["error"] == "queue_unavailable"


def test_auth_token_is_read_from_ssm_when_configured_by_name(aws, restore_environ):
    import boto3

    boto3.client("ssm").put_parameter(Name="/push-janitor/test-token", Value=AUTH_TOKEN, Type="SecureString")
    del restore_environ["TWILIO_AUTH_TOKEN"]
    restore_environ["TWILIO_AUTH_TOKEN_PARAMETER"] = "/push-janitor/test-token"
    assert call_ingest(signed_event())[0] == 200


def test_worker_handler_decides_the_sample_batch(aws):
    from handlers.worker import handler

    event = json.loads((Path(__file__).parents[2] / "events" / "worker-sqs-batch.json").read_text())
    event["Records"][0]["body"] = event["Records"][0]["body"].replace("VAdeadbeefdeadbeefdeadbeefdeadbeef", SERVICE_SID)
    assert handler(event, LocalLambdaContext()) == {"batchItemFailures": []}
    [item] = aws.dynamodb.scan(TableName=aws.ledger_table)["Items"]
    assert item["outcome"]["S"] == "would_delete"


def test_report_handler_answers_the_ledger_with_counts(aws):
    from handlers.report import handler
    from handlers.worker import handler as worker

    worker({"Records": [_record(debugger_params())]}, LocalLambdaContext())
    response = handler(api_gateway_event("GET", "/reports/cleanup.json", query="since=1d"), None)
    report = json.loads(response["body"])
    assert response["statusCode"] == 200 and report["summary"]["total"] == 1
    assert report["summary"]["by_outcome"]["would_delete"] == 1 and report["actions"][0]["outcome"] == "would_delete"


def test_report_handler_refuses_a_bad_period(aws):
    from handlers.report import handler

    response = handler(api_gateway_event("GET", "/reports/cleanup.json", query="since=forever"), None)
    body = json.loads(response["body"])
    assert response["statusCode"] == 400 and body["error"] == "bad_period" and "forever" in body["message"]


def _record(params):
    from factor_cleanup.intake.debugger import parse_debugger_form, to_push_failure

    body = to_push_failure(parse_debugger_form(params)).model_dump_json()
    return {
        "messageId": "m1",
        "receiptHandle": "r1",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
    }
