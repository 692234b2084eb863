"""Least privilege on the roles CloudFormation receives: each function may make exactly the calls its code makes.

CODE_PATHS names, per function, the adapter methods its handler reaches (handlers/*.py -> the app's parts in bootstrap.py ->
adapters) and the resource each one works on. The AWS operations are not listed by hand: they are read
from those methods' source (`self._client.<operation>(`, `get_paginator("<operation>")`, and the same
inside the sibling methods they call) and mapped to IAM actions. A second test fails when an adapter
gains a call that no code path below accounts for.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from factor_cleanup.local.sam_offline import iam_statements, transform_offline
from tests.aws import TEMPLATE

Calls = str | frozenset  # "module:Class.method" read from source, or operations AWS documents

SECRET = "aws_lambda_powertools.utilities.parameters.ssm:SSMProvider._get"  # credentials.Secret.get, decrypted
QUEUE_SEND = "factor_cleanup.adapters.aws.sqs_queue:SqsWorkQueue.send"
QUEUE_SEND_BATCH = "factor_cleanup.adapters.aws.sqs_queue:SqsWorkQueue.send_batch"
REGISTRY = "factor_cleanup.adapters.aws.registry:DynamoDbFactorRegistry."
BREAKER = "factor_cleanup.adapters.aws.breaker_store:DynamoDbBreakerStore."
IDEMPOTENCY = "aws_lambda_powertools.utilities.idempotency.persistence.dynamodb:DynamoDBPersistenceLayer."
# Event source mappings poll, and report failed batches, with the function's role (Lambda developer guide).
SQS_TRIGGER = frozenset({"receive_message", "delete_message", "get_queue_attributes"})
KINESIS_TRIGGER = frozenset(
    {"describe_stream", "describe_stream_summary", "get_records", "get_shard_iterator", "list_shards"}
)
ON_FAILURE_DESTINATION = frozenset({"send_message"})
# The Lambda runtime writes a function's logs, and its traces (Tracing: Active), with the function's role.
LOGS = frozenset({"create_log_stream", "put_log_events"})
TRACES = frozenset({"put_trace_segments", "put_telemetry_records"})


def runtime(function: str) -> list[tuple[str, str, list[Calls]]]:
    """What every function's role needs whatever its code does: its own log group, and X-Ray (only on "*")."""
    return [("logs", f"{function}LogGroup", [LOGS]), ("xray", "*", [TRACES])]


CODE_PATHS: dict[str, list[tuple[str, str, list[Calls]]]] = {
    "IngestFunction": [  # App.ingest
        *runtime("IngestFunction"),
        ("sqs", "WorkQueue", [QUEUE_SEND, QUEUE_SEND_BATCH]),
        ("sqs", "ActivityQueue", [QUEUE_SEND]),  # POST /app/activity
        ("ssm", "TwilioAuthTokenParameter", [SECRET]),
        ("ssm", "TwilioAuthTokenPreviousParameter", [SECRET]),
        ("ssm", "AppActivitySecretParameter", [SECRET]),
    ],
    "WorkerFunction": [  # App.worker: cleanup, registry, breaker, tracker
        *runtime("WorkerFunction"),
        ("sqs", "WorkQueue", [SQS_TRIGGER, "factor_cleanup.adapters.aws.sqs_queue:SqsWorkQueue.delay_retry"]),
        (
            "dynamodb",
            "IdempotencyTable",
            [IDEMPOTENCY + m for m in ("_get_record", "_put_record", "_update_record", "_delete_record")],
        ),
        (
            "dynamodb",
            "LedgerTable",
            ["factor_cleanup.adapters.aws.ledger:DynamoDbLedger." + m for m in ("record", "get")],
        ),
        (
            "dynamodb",
            "FactorRegistryTable",
            [
                REGISTRY + m
                for m in (
                    "get",
                    "record_factor",
                    "mark_seen",
                    "mark_deleted",
                    "mark_delete_intent",
                    "clear_delete_intent",
                    "verified_push_count",
                )
            ],
        ),
        ("dynamodb", "FactorRegistryTable/index/by_entity", [REGISTRY + "live_factors_of"]),
        ("dynamodb", "SafetyTable", [BREAKER + m for m in ("add", "total_since", "open_state", "trip")]),
        ("ssm", "TwilioAuthTokenParameter", [SECRET]),
        ("ssm", "TwilioApiKeySecretParameter", [SECRET]),
    ],
    "ActivityFunction": [  # App.activity_worker: the tracker alone
        *runtime("ActivityFunction"),
        ("sqs", "ActivityQueue", [SQS_TRIGGER, "factor_cleanup.adapters.aws.sqs_queue:SqsWorkQueue.delay_retry"]),
        (
            "dynamodb",
            "IdempotencyTable",
            [IDEMPOTENCY + m for m in ("_get_record", "_put_record", "_update_record", "_delete_record")],
        ),
        ("dynamodb", "FactorRegistryTable", [REGISTRY + "mark_seen"]),
        ("dynamodb", "FactorRegistryTable/index/by_entity", [REGISTRY + "live_factors_of"]),
    ],
    "SweeperFunction": [  # App.sweeper
        *runtime("SweeperFunction"),
        ("dynamodb", "FactorRegistryTable/index/sweep", [REGISTRY + "stale_factors"]),
        ("sqs", "WorkQueue", [QUEUE_SEND]),
    ],
    "DailyReportFunction": [  # App.daily_report
        *runtime("DailyReportFunction"),
        ("dynamodb", "LedgerTable/index/by_day", ["factor_cleanup.adapters.aws.ledger:DynamoDbLedger.records_between"]),
        ("s3", "ReportBucket/reports/*", ["factor_cleanup.adapters.aws.report_stores:S3ReportStore.put"]),
        ("sqs", "DeadLetterQueue", ["factor_cleanup.adapters.aws.report_stores:SqsQueueStats.dlq_depth"]),
        ("sns", "ReportTopicArn", ["factor_cleanup.adapters.aws.report_stores:SnsNotifier.send"]),
        ("sns", "ReportTopic", ["factor_cleanup.adapters.aws.report_stores:SnsNotifier.send"]),
    ],
    "KinesisEventsFunction": [  # App.kinesis
        *runtime("KinesisEventsFunction"),
        ("sqs", "WorkQueue", [QUEUE_SEND_BATCH]),
        ("kinesis", "ErrorLogStream", [KINESIS_TRIGGER]),
        ("sqs", "KinesisFailureQueue", [ON_FAILURE_DESTINATION]),
    ],
}
# Adapter calls no deployed function makes: operators run them with their own credentials.
OFF_LAMBDA = {BREAKER + "reset": "make breaker-reset"}

# Operations IAM authorises through another action (the service authorization reference).
AUTHORISED_BY = {
    "send_message_batch": ("SendMessage",),
    # A transaction needs the action of each item it holds: ours are Updates (the factor and its service's counter).
    "transact_write_items": ("UpdateItem",),
    "delete_message_batch": ("DeleteMessage",),
    "change_message_visibility_batch": ("ChangeMessageVisibility",),
    # s3transfer: PutObject, or a multipart upload (PutObject authorises its parts), aborted on failure.
    "upload_fileobj": ("PutObject", "AbortMultipartUpload"),
}
# Actions AWS accepts only on Resource "*".
STAR_ONLY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "cloudwatch:PutMetricData"}
CLIENT_ATTRIBUTES = {"_client", "client"}  # ours hold self._client, Powertools self.client
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def transformed() -> dict[str, Any]:
    parameters = {
        "TwilioAccountSid": "AC" + "1" * 32,
        "VerifyServiceSids": "VA" + "a" * 32,
        "EventStreamsKinesis": "true",
    }
    return transform_offline(TEMPLATE, parameters)


@cache
def _methods(module: str, class_name: str) -> dict[str, ast.FunctionDef]:
    spec = importlib.util.find_spec(module)
    assert spec and spec.origin, f"cannot find module {module}"
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            return {item.name: item for item in node.body if isinstance(item, ast.FunctionDef)}
    raise LookupError(f"{module} defines no class {class_name}")


def _is_client(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr in CLIENT_ATTRIBUTES
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )


def traced(reference: str) -> tuple[set[str], set[str]]:
    """(AWS operations, methods visited) of a method, following its calls to methods of its own class."""
    module, _, qualname = reference.partition(":")
    class_name, _, first = qualname.partition(".")
    methods = _methods(module, class_name)
    operations: set[str] = set()
    visited: set[str] = set()
    pending = [first]
    while pending:
        name = pending.pop()
        if name in visited:
            continue
        assert name in methods, f"{reference}: {class_name} has no method {name}"
        visited.add(name)
        for call in (node for node in ast.walk(methods[name]) if isinstance(node, ast.Call)):
            target = call.func
            if not isinstance(target, ast.Attribute):
                continue
            if _is_client(target.value):
                paginated = target.attr == "get_paginator"
                operations.add(ast.literal_eval(call.args[0]) if paginated else target.attr)
            elif isinstance(target.value, ast.Name) and target.value.id == "self" and target.attr in methods:
                pending.append(target.attr)
    return operations, {f"{module}:{class_name}.{name}" for name in visited}


def iam_actions(service: str, operation: str) -> set[str]:
    names = AUTHORISED_BY.get(operation) or ("".join(part.capitalize() for part in operation.split("_")),)
    return {f"{service}:{name}" for name in names}


def expected_grants(function: str) -> dict[str, set[str]]:
    grants: dict[str, set[str]] = defaultdict(set)
    for service, resource, calls in CODE_PATHS[function]:
        for call in calls:
            operations = call if isinstance(call, frozenset) else traced(call)[0]
            assert operations, f"{call} makes no AWS call: CODE_PATHS is out of date"
            for operation in operations:
                grants[resource] |= iam_actions(service, operation)
    return dict(grants)


def resource_names(node: Any) -> Iterator[str]:
    """WorkQueue for !GetAtt WorkQueue.Arn, T/index/x for !Sub ${T.Arn}/index/x, P for an SSM ARN ending ${P}."""
    if isinstance(node, list):
        for item in node:
            yield from resource_names(item)
    elif isinstance(node, str):
        yield node
    elif "Fn::If" in node:
        yield from resource_names([branch for branch in node["Fn::If"][1:] if branch != {"Ref": "AWS::NoValue"}])
    elif "Fn::GetAtt" in node:
        yield node["Fn::GetAtt"][0]
    elif "Ref" in node:
        yield node["Ref"]
    else:
        text = node["Fn::Sub"] if isinstance(node["Fn::Sub"], str) else node["Fn::Sub"][0]
        named = re.search(r"\$\{(?!AWS::)(\w+)(?:\.Arn)?\}(.*)$", text)
        yield named.group(1) + named.group(2) if named else text


def granted(transformed: dict[str, Any], function: str) -> dict[str, set[str]]:
    role = transformed["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    grants: dict[str, set[str]] = defaultdict(set)
    for role_id, statement in iam_statements(transformed):
        if role_id != role:
            continue
        assert statement["Effect"] == "Allow" and "NotAction" not in statement and "NotResource" not in statement
        actions = statement["Action"]
        for resource in resource_names(statement["Resource"]):
            grants[resource] |= {actions} if isinstance(actions, str) else set(actions)
    return dict(grants)


def lambda_functions(transformed: dict[str, Any]) -> list[str]:
    return [key for key, res in transformed["Resources"].items() if res["Type"] == "AWS::Lambda::Function"]


def test_every_function_has_its_code_paths_listed(transformed):
    assert sorted(lambda_functions(transformed)) == sorted(CODE_PATHS)


@pytest.mark.parametrize("function", sorted(CODE_PATHS))
def test_a_function_is_granted_exactly_the_calls_its_code_makes(transformed, function):
    grants, needed = granted(transformed, function), expected_grants(function)
    unused = {
        resource: sorted(extra)
        for resource, actions in grants.items()
        if (extra := actions - needed.get(resource, set()))
    }
    missing = {
        resource: sorted(lacking)
        for resource, actions in needed.items()
        if (lacking := actions - grants.get(resource, set()))
    }
    assert not unused, f"{function} is granted what no code path of it calls: {unused}"
    assert not missing, f"{function}'s code calls what its role does not grant: {missing}"


def test_no_statement_names_every_resource_unless_aws_requires_it(transformed):
    for role, statement in iam_statements(transformed):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if "*" in resource_names(statement["Resource"]):
            assert set(actions) <= STAR_ONLY, f"{role}: {actions} on Resource '*'"


def test_no_role_carries_a_managed_policy(transformed):
    """SAM attaches AWSLambdaBasicExecutionRole (logs on '*') to roles it generates, and a SAM event source adds
    one on every queue or stream: each function has a role of ours, and each event source is a plain mapping."""
    for key, resource in transformed["Resources"].items():
        if resource["Type"] == "AWS::IAM::Role":
            assert not resource["Properties"].get("ManagedPolicyArns"), f"{key} carries a managed policy"


@pytest.mark.parametrize("function", sorted(CODE_PATHS))
def test_a_function_logs_to_the_one_group_its_role_may_write(transformed, function):
    properties = transformed["Resources"][function]["Properties"]
    assert properties["LoggingConfig"]["LogGroup"] == {"Ref": f"{function}LogGroup"}
    assert transformed["Resources"][f"{function}LogGroup"]["Properties"]["RetentionInDays"] > 0


def test_every_index_a_policy_names_exists(transformed):
    for _, statement in iam_statements(transformed):
        for resource in resource_names(statement["Resource"]):
            table, _, index = resource.partition("/index/")
            if index:
                indexes = transformed["Resources"][table]["Properties"]["GlobalSecondaryIndexes"]
                assert index in [i["IndexName"] for i in indexes], f"{table} has no index {index}"


def _client_calling_methods() -> Iterator[str]:
    """Every method of factor_cleanup (local/ aside) that calls an AWS client itself."""
    package = ROOT / "factor_cleanup"
    for path in sorted(p for p in package.rglob("*.py") if "local" not in p.relative_to(package).parts):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls in (node for node in tree.body if isinstance(node, ast.ClassDef)):
            for method in (item for item in cls.body if isinstance(item, ast.FunctionDef)):
                calls = (node for node in ast.walk(method) if isinstance(node, ast.Call))
                if any(isinstance(c.func, ast.Attribute) and _is_client(c.func.value) for c in calls):
                    yield f"{module}:{cls.name}.{method.name}"


def test_every_aws_call_in_the_adapters_is_on_a_listed_code_path():
    listed = {call for paths in CODE_PATHS.values() for _, _, calls in paths for call in calls if isinstance(call, str)}
    reached = set().union(*(traced(reference)[1] for reference in listed | set(OFF_LAMBDA)))
    unaccounted = [method for method in _client_calling_methods() if method not in reached]
    assert not unaccounted, f"add these to CODE_PATHS (and the role) or OFF_LAMBDA: {unaccounted}"
