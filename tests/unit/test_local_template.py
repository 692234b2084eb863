"""factor_cleanup.local.template without AWS: short tags read in long form, shell variables mapped to parameters."""

from __future__ import annotations

from factor_cleanup.local.template import load_template
from tests.aws import TEMPLATE


def test_loader_turns_short_tags_into_long_form():
    template = load_template(TEMPLATE)
    worker = template["Resources"]["WorkerFunction"]["Properties"]
    assert worker["Environment"]["Variables"]["QUEUE_URL"] == {"Ref": "WorkQueue"}
    trigger = template["Resources"]["WorkerFunctionWork"]["Properties"]
    assert trigger["EventSourceArn"] == {"Fn::GetAtt": ["WorkQueue", "Arn"]}
    log_group = template["Resources"]["WorkerFunctionLogGroup"]["Properties"]
    assert log_group["LogGroupName"] == {"Fn::Sub": "/aws/lambda/${AWS::StackName}-WorkerFunction"}


def test_the_shell_sets_the_parameter_a_variable_comes_from():
    from factor_cleanup.local.template import parameters_from_environment

    shell = {
        "MAX_DELETIONS_PER_HOUR": "1000",
        "TWILIO_AUTH_TOKEN_PREVIOUS_UNTIL": "2999-01-01T00:00:00Z",
        "LOG_LEVEL": "DEBUG",
        "QUEUE_URL": "https://elsewhere",
        "UNRELATED": "x",
    }
    assert parameters_from_environment(TEMPLATE, shell) == {
        "MaxDeletionsPerHour": "1000",
        "TwilioAuthTokenPreviousUntil": "2999-01-01T00:00:00Z",
        "LogLevel": "DEBUG",
    }  # QUEUE_URL is the template's own queue, not a parameter
