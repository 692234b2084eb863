"""Reports on moto: the DynamoDB ledger's day index, the HTTP report routes, the daily S3/SNS report."""

from __future__ import annotations

import csv
import io
import json
import shlex

import boto3
import pytest
from moto import mock_aws

from factor_cleanup.adapters.aws.ledger import DynamoDbLedger
from factor_cleanup.adapters.aws.report_stores import SqsQueueStats
from factor_cleanup.local.events import LocalLambdaContext, api_gateway_event
from factor_cleanup.local.template import create_local_resources, function_environment
from factor_cleanup.reports.build import period_report
from factor_cleanup.runtime import http_function
from factor_cleanup.runtime.bootstrap import App, build_app
from tests.aws import TEMPLATE
from tests.fakes import FixedClock
from tests.report_ledger import BY_OUTCOME, BY_SERVICE, DELETIONS_PER_DAY, NOW, TOTAL, known_actions


@pytest.fixture
def aws(restore_environ):
    """The template's tables, queues and bucket on moto, the ledger filled, and the environment pointing at them."""
    with mock_aws():
        resources = create_local_resources(
            TEMPLATE, boto3.client("sqs"), boto3.client("dynamodb"), s3_client=boto3.client("s3")
        )
        ledger = DynamoDbLedger(boto3.client("dynamodb"), resources["LedgerTable"]["name"])
        for action in known_actions():
            ledger.record(action)
        restore_environ.update(
            LEDGER_TABLE=resources["LedgerTable"]["name"],
            REPORT_BUCKET=resources["ReportBucket"]["name"],
            DEAD_LETTER_QUEUE_URL=resources["DeadLetterQueue"]["url"],
        )
        yield resources


def app_at_now() -> App:
    """The functions' app as the environment configures it, its clock at NOW."""
    return build_app(clock=FixedClock(NOW))


def get(path: str, query: str = "since=7d") -> dict:
    """What the report function answers (handlers/report.py), at NOW."""
    app = app_at_now()
    return http_function.answer(api_gateway_event("GET", path, query=query), lambda: app.report_pages)


def test_the_dynamodb_ledger_gives_the_same_numbers_as_the_hand_count(aws):
    ledger = app_at_now().ledger
    summary = period_report(ledger, FixedClock(NOW), "7d")["summary"]
    assert (summary["total"], summary["by_outcome"], summary["by_service"]) == (TOTAL, BY_OUTCOME, BY_SERVICE)
    assert summary["deletions_per_day"] == DELETIONS_PER_DAY


def test_each_route_answers_its_form_with_the_dead_letter_queue_depth(aws):
    sqs = boto3.client("sqs")
    for n in range(2):
        sqs.send_message(QueueUrl=aws["DeadLetterQueue"]["url"], MessageBody=f"stuck {n}")
    answers = {form: get(f"/reports/cleanup.{form}") for form in ("json", "csv", "html")}
    assert {form: a["headers"]["Content-Type"].split(";")[0] for form, a in answers.items()} == {
        "json": "application/json",
        "csv": "text/csv",
        "html": "text/html",
    }
    report = json.loads(answers["json"]["body"])
    assert report["summary"]["total"] == TOTAL and report["summary"]["dlq_depth"] == 2
    assert "2 messages in the dead-letter queue" in [item["title"] for item in report["summary"]["attention"]]
    assert len(list(csv.DictReader(io.StringIO(answers["csv"]["body"])))) == TOTAL
    assert '<span class="n">14</span><span class="l">Events</span>' in answers["html"]["body"]
    assert "default-src 'none'" in answers["html"]["headers"]["Content-Security-Policy"]


def test_rows_caps_the_json_actions_but_not_the_counts(aws):
    report = json.loads(get("/reports/cleanup.json", "since=7d&rows=2")["body"])
    assert (
        len(report["actions"]) == 2 and report["actions_omitted"] == TOTAL - 2 and report["summary"]["total"] == TOTAL
    )


@pytest.mark.parametrize("query, status, code", [("since=soon", 400, "bad_period"), ("rows=-3", 400, "bad_rows")])
def test_bad_query_parameters_are_a_400_that_names_them(aws, query, status, code):
    answer = get("/reports/cleanup.csv", query)
    assert answer["statusCode"] == status and json.loads(answer["body"])["error"] == code


def test_an_unreadable_dead_letter_queue_is_unknown_not_an_error(aws):
    stats = SqsQueueStats(boto3.client("sqs"), aws["DeadLetterQueue"]["url"].replace("DeadLetterQueue", "Gone"))
    assert stats.dlq_depth() is None


def mailbox(restore_environ) -> str:
    """An SQS queue subscribed to a new report topic, which the daily report is told to use: what the email gets."""
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="push-janitor-reports")["TopicArn"]
    inbox = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn)
    restore_environ["REPORT_TOPIC_ARN"] = topic
    return inbox


def test_the_daily_report_writes_three_files_for_yesterday_and_emails_the_summary(aws, restore_environ):
    sqs, inbox = boto3.client("sqs"), mailbox(restore_environ)
    result = app_at_now().daily_report.run()  # what the schedule sends: no day, so the day before NOW

    bucket = aws["ReportBucket"]["name"]
    keys = {form: f"reports/2026-11-24/cleanup.{form}" for form in ("json", "csv", "html")}
    assert result["locations"] == {form: f"s3://{bucket}/{key}" for form, key in keys.items()}
    s3 = boto3.client("s3")
    day = json.loads(s3.get_object(Bucket=bucket, Key=keys["json"])["Body"].read())
    assert day["summary"]["total"] == result["total"] == 8 and day["period"]["start"].startswith("2026-11-24T00:00:00")
    assert s3.head_object(Bucket=bucket, Key=keys["html"])["ContentType"] == "text/html; charset=utf-8"
    assert s3.get_object(Bucket=bucket, Key=keys["csv"])["Body"].read().decode().count("\r\n") == 8 + 1
    [message] = sqs.receive_message(QueueUrl=inbox)["Messages"]
    note = json.loads(message["Body"])
    assert note["Subject"] == "push-janitor cleanup report 2026-11-24: 4 item(s) need attention"
    assert "Error 52143 on" in note["Message"] and f"s3://{bucket}/{keys['html']}" in note["Message"]
    assert "user-" not in note["Message"]  # counts only: no identity leaves by email


def test_the_mail_gives_the_command_that_opens_that_days_page(aws, restore_environ):
    import requests

    from handlers.daily_report import handler

    inbox = mailbox(restore_environ)
    handler({"day": "2026-11-24"}, LocalLambdaContext())  # the function as deployed: a given day needs no clock
    [message] = boto3.client("sqs").receive_message(QueueUrl=inbox)["Messages"]
    text = json.loads(message["Body"])["Message"]
    [command] = [shlex.split(line) for line in text.splitlines() if line.strip().startswith("aws ")]
    assert command[:3] == ["aws", "s3", "presign"] and len(command) == 8
    bucket, _, key = command[3].removeprefix("s3://").partition("/")
    options = dict(zip(command[4::2], command[5::2], strict=True))
    assert (bucket, key) == (aws["ReportBucket"]["name"], "reports/2026-11-24/cleanup.html")
    assert options == {"--expires-in": "3600", "--region": "us-east-1"}
    # What the command does with the reader's credentials: sign a GET of that object; a browser then opens it.
    s3 = boto3.client("s3", region_name=options["--region"])
    link = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=int(options["--expires-in"])
    )
    page = requests.get(link, timeout=5)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "<title>push-janitor cleanup report, 2026-11-24 00:00 – 2026-11-25 00:00 UTC</title>" in page.text


def test_a_day_can_be_rebuilt_and_a_bad_day_is_named(aws):
    from handlers.daily_report import handler

    assert handler({"day": "2026-11-23"}, LocalLambdaContext())["total"] == 3
    with pytest.raises(ValueError, match="2026-11-24"):
        handler({"day": "yesterday"}, LocalLambdaContext())


@pytest.mark.parametrize(
    "parameters, topic",
    [
        ({}, ""),
        ({"ReportTopicArn": "arn:aws:sns:us-east-1:123456789012:ops"}, "arn:aws:sns:us-east-1:123456789012:ops"),
    ],
)
def test_the_daily_function_gets_a_topic_only_when_one_is_configured(parameters, topic):
    with mock_aws():
        resources = create_local_resources(
            TEMPLATE, boto3.client("sqs"), boto3.client("dynamodb"), s3_client=boto3.client("s3")
        )
        environment = function_environment(TEMPLATE, "DailyReportFunction", resources, parameters)
    assert environment["REPORT_TOPIC_ARN"] == topic and environment["REPORT_BUCKET"] == "push-janitor-reportbucket"
    assert environment["DEAD_LETTER_QUEUE_URL"] == resources["DeadLetterQueue"]["url"]
