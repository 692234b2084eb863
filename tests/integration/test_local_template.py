"""factor_cleanup.local.template: the template's queues and tables, created in moto, and resolved environments."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from factor_cleanup.local.template import create_local_resources, function_environment, load_template

TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"
REQUIRED = {"VerifyServiceSids": "VA" + "a" * 32, "TwilioAccountSid": "AC" + "1" * 32}


@pytest.fixture
def clients(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.client("sqs", region_name="us-east-1"), boto3.client("dynamodb", region_name="us-east-1")


@pytest.fixture
def resources(clients) -> dict[str, dict]:
    return create_local_resources(TEMPLATE_PATH, *clients)


def declared_queues() -> list[str]:
    resources = load_template(TEMPLATE_PATH)["Resources"].items()
    return [key for key, resource in resources if resource["Type"] == "AWS::SQS::Queue"]


def declared_tables() -> list[str]:
    resources = load_template(TEMPLATE_PATH)["Resources"].items()
    return [key for key, resource in resources if resource["Type"] == "AWS::DynamoDB::Table"]


def test_creates_the_queues_with_the_redrive_to_the_dead_letter_queue(clients, resources):
    sqs, _ = clients
    assert set(resources) == set(declared_queues()) | set(declared_tables())
    assert {"WorkQueue", "DeadLetterQueue", "LedgerTable", "IdempotencyTable", "FactorRegistryTable"} <= set(resources)
    for queue in ("WorkQueue", "DeadLetterQueue"):
        assert set(resources[queue]) == {"url", "arn", "name"}
    attributes = sqs.get_queue_attributes(QueueUrl=resources["WorkQueue"]["url"], AttributeNames=["All"])["Attributes"]
    declared = load_template(TEMPLATE_PATH)["Resources"]["WorkQueue"]["Properties"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == resources["DeadLetterQueue"]["arn"]
    assert int(redrive["maxReceiveCount"]) == declared["RedrivePolicy"]["maxReceiveCount"]
    assert attributes["VisibilityTimeout"] == str(declared["VisibilityTimeout"])
    assert attributes["QueueArn"] == resources["WorkQueue"]["arn"]


def test_creates_the_tables_with_the_index_and_ttl(clients, resources):
    _, dynamodb = clients
    ledger = dynamodb.describe_table(TableName=resources["LedgerTable"]["name"])["Table"]
    assert ledger["TableArn"] == resources["LedgerTable"]["arn"]
    assert ledger["KeySchema"] == [{"AttributeName": "event_sid", "KeyType": "HASH"}]
    assert ledger["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    (index,) = ledger["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "by_day"
    assert index["KeySchema"] == [
        {"AttributeName": "day", "KeyType": "HASH"},
        {"AttributeName": "at", "KeyType": "RANGE"},
    ]
    assert index["Projection"] == {"ProjectionType": "ALL"}
    for table, attribute in (("LedgerTable", "expires_at"), ("IdempotencyTable", "expiration")):
        ttl = dynamodb.describe_time_to_live(TableName=resources[table]["name"])["TimeToLiveDescription"]
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": attribute}
    idempotency = dynamodb.describe_table(TableName=resources["IdempotencyTable"]["name"])["Table"]
    assert idempotency["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]


def test_is_idempotent(clients, resources):
    sqs, dynamodb = clients
    assert create_local_resources(TEMPLATE_PATH, sqs, dynamodb) == resources
    assert len(sqs.list_queues()["QueueUrls"]) == len(declared_queues())
    assert len(dynamodb.list_tables()["TableNames"]) == len(declared_tables())


def test_name_prefix_keeps_stacks_apart(clients, resources):
    other = create_local_resources(TEMPLATE_PATH, *clients, name_prefix="other-")
    assert other["WorkQueue"]["url"] != resources["WorkQueue"]["url"]
    assert other["LedgerTable"]["name"] == "other-LedgerTable"


def test_worker_environment_points_at_the_created_resources(resources):
    environment = function_environment(TEMPLATE_PATH, "WorkerFunction", resources, REQUIRED)
    assert environment["QUEUE_URL"] == resources["WorkQueue"]["url"]
    assert environment["LEDGER_TABLE"] == resources["LedgerTable"]["name"]
    assert environment["IDEMPOTENCY_TABLE"] == resources["IdempotencyTable"]["name"]
    assert environment["CLEANUP_MODE"] == "report-only"
    assert environment["VERIFY_SERVICE_SIDS"] == REQUIRED["VerifyServiceSids"]
    assert environment["VERIFY_MAX_IN_FLIGHT"] == "16"
    assert environment["TWILIO_AUTH_TOKEN_PARAMETER"] == "/push-janitor/twilio-auth-token"
    assert environment["POWERTOOLS_SERVICE_NAME"] == "push-janitor"  # from Globals
    assert all(isinstance(value, str) for value in environment.values())


def test_a_parameter_override_wins(resources):
    parameters = {**REQUIRED, "CleanupMode": "delete", "VerifyMaxInFlight": "3"}
    environment = function_environment(TEMPLATE_PATH, "WorkerFunction", resources, parameters)
    assert environment["CLEANUP_MODE"] == "delete"
    assert environment["VERIFY_MAX_IN_FLIGHT"] == "3"


def test_ingest_environment(resources):
    environment = function_environment(TEMPLATE_PATH, "IngestFunction", resources, REQUIRED)
    assert environment["QUEUE_URL"] == resources["WorkQueue"]["url"]
    assert environment["TWILIO_ACCOUNT_SID"] == REQUIRED["TwilioAccountSid"]
    assert environment["PUBLIC_BASE_URL"] == ""


def test_unresolvable_value_names_the_variable(resources):
    without_sids = {"TwilioAccountSid": REQUIRED["TwilioAccountSid"]}
    with pytest.raises(ValueError, match="VERIFY_SERVICE_SIDS"):
        function_environment(TEMPLATE_PATH, "WorkerFunction", resources, without_sids)
    without_ledger = {key: value for key, value in resources.items() if key != "LedgerTable"}
    with pytest.raises(ValueError, match="LEDGER_TABLE"):
        function_environment(TEMPLATE_PATH, "WorkerFunction", without_ledger, REQUIRED)
    with pytest.raises(ValueError, match="NoSuchFunction"):
        function_environment(TEMPLATE_PATH, "NoSuchFunction", resources, REQUIRED)
