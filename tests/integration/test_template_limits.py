"""Limits on the AWS path: route throttling, the ingest function's concurrency, dead letters kept and alarmed,
and a Kinesis reader that sets aside what it gives up on instead of dropping it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from factor_cleanup.local.sam_offline import transform_offline
from factor_cleanup.local.template import load_template
from factor_cleanup.runtime.settings import Settings
from tests.aws import TEMPLATE
from tests.support.template import walk

SQS_DEFAULT_RETENTION = 345600  # 4 days, when a queue does not set MessageRetentionPeriod
SQS_MAX_RETENTION = 1209600  # 14 days
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    """Transformed with the Kinesis option on, so SAM's generated resources and every condition's are present."""
    parameters = {
        "TwilioAccountSid": "AC" + "1" * 32,
        "VerifyServiceSids": "VA" + "a" * 32,
        "EventStreamsKinesis": "true",
    }
    return transform_offline(TEMPLATE, parameters)["Resources"]


def of_type(resources: dict[str, Any], type_name: str) -> dict[str, dict]:
    return {key: res for key, res in resources.items() if res["Type"] == type_name}


def retention(queue: dict[str, Any]) -> int:
    return int(queue["Properties"].get("MessageRetentionPeriod", SQS_DEFAULT_RETENTION))


def defaults(template: dict[str, Any], *names: str) -> list[int]:
    return [int(template["Parameters"][name]["Default"]) for name in names]


def test_every_route_is_throttled_by_the_rate_and_burst_parameters(template, resources):
    [stage] = of_type(resources, "AWS::ApiGatewayV2::Stage").values()
    assert stage["Properties"]["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": {"Ref": "ApiThrottlingRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ApiThrottlingBurstLimit"},
    }
    rate, burst = defaults(template, "ApiThrottlingRateLimit", "ApiThrottlingBurstLimit")
    assert 1 <= rate <= burst  # the bucket holds at least one second of the steady rate


def test_the_ingest_function_reserves_its_concurrency_from_a_parameter(template, resources):
    reserved = resources["IngestFunction"]["Properties"]["ReservedConcurrentExecutions"]
    condition, value, otherwise = reserved["Fn::If"]
    assert value == {"Ref": "IngestReservedConcurrency"} and otherwise == {"Ref": "AWS::NoValue"}
    assert template["Conditions"][condition] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "IngestReservedConcurrency"}, "0"]}]
    }
    [default] = defaults(template, "IngestReservedConcurrency")
    assert default >= 1  # 0 would leave the account's pool unprotected by default


def test_a_throttled_ingest_function_raises_an_alarm(resources):
    alarms = [a["Properties"] for a in of_type(resources, "AWS::CloudWatch::Alarm").values()]
    throttles = [a for a in alarms if a["Namespace"] == "AWS/Lambda" and a["MetricName"] == "Throttles"]
    assert [a["Dimensions"] for a in throttles] == [[{"Name": "FunctionName", "Value": {"Ref": "IngestFunction"}}]]


def test_every_dead_letter_queue_keeps_messages_longer_than_its_source(resources):
    queues = of_type(resources, "AWS::SQS::Queue")
    sources = {key: q["Properties"]["RedrivePolicy"] for key, q in queues.items() if "RedrivePolicy" in q["Properties"]}
    assert "WorkQueue" in sources
    for source, redrive in sources.items():
        target = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
        assert retention(queues[target]) > retention(queues[source]), f"{target} expires before {source}"


def dead_letter_queues(resources: dict[str, Any]) -> set[str]:
    """Queues holding what failed: redrive targets, Scheduler dead-letter configs, event source on-failure destinations."""
    targets = set()
    for node in walk(resources):
        found = [
            node.get("deadLetterTargetArn"),
            (node.get("DeadLetterConfig") or {}).get("Arn"),
            (node.get("OnFailure") or {}).get("Destination"),
        ]
        targets |= {value["Fn::GetAtt"][0] for value in found if isinstance(value, dict) and "Fn::GetAtt" in value}
    return targets


def test_every_dead_letter_queue_keeps_its_messages_fourteen_days_and_has_an_alarm(resources):
    queues = dead_letter_queues(resources)
    assert queues >= {"DeadLetterQueue", "SweeperDeadLetterQueue", "ReportDeadLetterQueue", "KinesisFailureQueue"}
    alarms = of_type(resources, "AWS::CloudWatch::Alarm").values()
    watched = {
        a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]: a
        for a in alarms
        if a["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
    }
    for queue in queues:
        assert retention(resources[queue]) == SQS_MAX_RETENTION, queue
        assert queue in watched, f"{queue} has no alarm"
        alarm = watched[queue]
        assert alarm.get("Condition") == resources[queue].get("Condition"), f"{queue}'s alarm has another condition"
        assert alarm["Properties"]["Threshold"] == 0 and alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_an_event_is_remembered_as_long_as_a_dead_letter_copy_can_come_back(resources):
    """A dead letter lives at most the DLQ's retention after it was first queued; a redrive then brings it back."""
    window = Settings.model_fields["idempotency_window_seconds"].default
    assert window >= retention(resources["DeadLetterQueue"])


def test_the_kinesis_reader_bisects_and_sets_aside_what_it_gives_up_on(resources):
    [mapping] = [
        m["Properties"]
        for m in of_type(resources, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": "KinesisEventsFunction"}
    ]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["KinesisFailureQueue", "Arn"]}
    assert 0 <= mapping["MaximumRetryAttempts"] <= 10  # -1 would retry until the record expires
    stream_seconds = resources["ErrorLogStream"]["Properties"]["RetentionPeriodHours"] * 3600
    assert 60 <= mapping["MaximumRecordAgeInSeconds"] <= stream_seconds / 2  # time is left to replay it


def readme_section(title: str) -> str:
    return README.read_text(encoding="utf-8").split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_runbook_says_what_to_do_for_every_alarm(template):
    runbook = readme_section("Runbook")
    alarms = [key for key, res in template["Resources"].items() if res["Type"] == "AWS::CloudWatch::Alarm"]
    assert [alarm for alarm in alarms if f"| `{alarm}` |" not in runbook] == []


def test_safety_says_what_each_flood_limit_does_and_how_to_size_it():
    safety = readme_section("Safety")
    for parameter in ("ApiThrottlingRateLimit", "ApiThrottlingBurstLimit", "IngestReservedConcurrency"):
        assert safety.count(f"`{parameter}`") >= 2, f"{parameter}: what it does and how to size it"


def test_a_message_postponed_for_the_longest_retry_after_still_reaches_its_dead_letter_queue():
    """Every receive may hide a message for MAX_VISIBILITY_SECONDS; all of them must fit in the queue's retention."""
    from factor_cleanup.runtime.worker import MAX_VISIBILITY_SECONDS

    queue = load_template(TEMPLATE)["Resources"]["WorkQueue"]["Properties"]
    worst_case = queue["RedrivePolicy"]["maxReceiveCount"] * (MAX_VISIBILITY_SECONDS + queue["VisibilityTimeout"])
    assert worst_case < queue["MessageRetentionPeriod"]
