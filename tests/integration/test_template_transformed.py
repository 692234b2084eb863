"""The template after the SAM transform, offline: IAM as deployed, and every reference resolvable."""

from __future__ import annotations

import pytest

from factor_cleanup.local.sam_offline import iam_statements, referenced_logical_ids, transform_offline
from tests.aws import TEMPLATE
from tests.support.template import PARAMETERS


@pytest.fixture(scope="module")
def transformed():
    return transform_offline(TEMPLATE, PARAMETERS)


def test_transform_succeeds_and_makes_the_worker_event_source_mapping(transformed):
    mappings = [
        r
        for r in transformed["Resources"].values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
        and r["Properties"]["FunctionName"] == {"Ref": "WorkerFunction"}
    ]
    assert mappings, "the worker's SQS event became no event source mapping"
    for mapping in mappings:
        assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["Properties"]["ScalingConfig"]["MaximumConcurrency"]


def test_no_iam_statement_grants_a_wildcard_action(transformed):
    offenders = []
    for role, statement in iam_statements(transformed):
        actions = statement.get("Action", [])
        for action in actions if isinstance(actions, list) else [actions]:
            if isinstance(action, str) and "*" in action:
                offenders.append(f"{role}: {action}")
    assert not offenders, offenders


def test_every_resource_a_policy_names_exists(transformed):
    known = (
        set(transformed["Resources"])
        | set(transformed.get("Parameters", {}))
        | {"AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::URLSuffix", "AWS::NoValue", "AWS::StackName"}
    )
    for role, statement in iam_statements(transformed):
        missing = set(referenced_logical_ids(statement.get("Resource"))) - known
        assert not missing, f"{role} names resources that do not exist: {missing}"


def test_every_function_has_a_role_and_a_log_group(transformed):
    functions = [k for k, r in transformed["Resources"].items() if r["Type"] == "AWS::Lambda::Function"]
    groups = [r for r in transformed["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert functions and len(groups) >= len(functions)


def test_the_kinesis_option_adds_a_stream_a_role_twilio_assumes_and_a_reader():
    resources = transform_offline(TEMPLATE, {**PARAMETERS, "EventStreamsKinesis": "true"})["Resources"]
    role = resources["TwilioKinesisRole"]["Properties"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"]["StringEquals"]["sts:ExternalId"] == {"Ref": "EventStreamsExternalId"}
    [mapping] = [
        r
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
        and r["Properties"]["FunctionName"] == {"Ref": "KinesisEventsFunction"}
    ]
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert all(
        r.get("Condition") == "UsesKinesis" for k, r in resources.items() if k.startswith("KinesisEventsFunction")
    )
