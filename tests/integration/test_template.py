"""infra/template.yaml: lints clean and keeps the Lambda/SQS, IAM and secret rules the code relies on."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from factor_cleanup.local.template import load_template
from tests.support.template import walk

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "infra" / "template.yaml"


@pytest.fixture(scope="module")
def template() -> dict:
    return load_template(TEMPLATE_PATH)


def functions(template: dict) -> dict[str, dict]:
    resources = template["Resources"].items()
    return {key: res["Properties"] for key, res in resources if res["Type"] == "AWS::Serverless::Function"}


def test_cfn_lint_passes():
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    assert cfn_lint.exists(), f"cfn-lint is not installed next to {sys.executable}; pip install -r requirements-dev.txt"
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    result = subprocess.run([str(cfn_lint), str(TEMPLATE_PATH)], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, f"cfn-lint exited {result.returncode}:\n{result.stdout}\n{result.stderr}"


def test_queue_visibility_timeout_is_at_least_six_times_the_worker_timeout(template):
    worker_timeout = functions(template)["WorkerFunction"].get("Timeout", template["Globals"]["Function"]["Timeout"])
    visibility = template["Resources"]["WorkQueue"]["Properties"]["VisibilityTimeout"]
    assert visibility >= 6 * worker_timeout, f"VisibilityTimeout {visibility} < 6 x worker timeout {worker_timeout}"


def test_work_queue_redrives_to_the_dead_letter_queue_after_at_least_five_receives(template):
    redrive = template["Resources"]["WorkQueue"]["Properties"]["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}
    assert redrive["maxReceiveCount"] >= 5, f"maxReceiveCount {redrive['maxReceiveCount']} < 5 (AWS guidance)"


def test_worker_reports_partial_batch_failures_with_bounded_concurrency(template):
    mappings = [
        res["Properties"]
        for res in template["Resources"].values()
        if res["Type"] == "AWS::Lambda::EventSourceMapping"
        and res["Properties"]["FunctionName"] == {"Ref": "WorkerFunction"}
    ]
    assert len(mappings) == 1
    (event,) = mappings
    assert event["EventSourceArn"] == {"Fn::GetAtt": ["WorkQueue", "Arn"]}
    assert "ReportBatchItemFailures" in event["FunctionResponseTypes"]
    assert event["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "WorkerMaxConcurrency"}
    assert template["Parameters"]["WorkerMaxConcurrency"]["MinValue"] >= 2  # SQS ScalingConfig minimum


def test_no_iam_statement_uses_a_wildcard_action(template):
    """Statements written in the template; SAM policy templates are AWS's and each is scoped to one resource."""
    statements = [node for node in walk(template) if "Action" in node or "NotAction" in node]
    assert statements, "expected at least one inline IAM statement (the worker's sqs:ChangeMessageVisibility)"
    for statement in statements:
        actions = statement.get("Action", statement.get("NotAction"))
        for action in actions if isinstance(actions, list) else [actions]:
            assert isinstance(action, str) and "*" not in action, f"wildcard action {action!r} in {statement}"


def test_ssm_parameter_arns_are_built_from_names_that_start_with_a_slash(template):
    """arn:…:parameter + "/push-janitor/x": the parameters' patterns must keep the leading slash."""
    grants = [node for node in walk(template) if node.get("Action") == "ssm:GetParameter"]
    assert len(grants) >= 3, "the ingest and worker roles read the auth token; ingest the activity secret too"
    for node in grants:
        parameter = node["Resource"]["Fn::Sub"].split(":parameter${", 1)[1].removesuffix("}")
        assert template["Parameters"][parameter]["AllowedPattern"].startswith(("^/", "^(/")), parameter


def test_every_handler_is_a_module_defining_handler(template):
    for logical_id, properties in functions(template).items():
        module, _, attribute = properties["Handler"].rpartition(".")
        path = ROOT / f"{module}.py"
        assert path.is_file(), f"{logical_id} Handler {properties['Handler']!r} needs {path.relative_to(ROOT)}"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        defined = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
        assigned = [target for node in tree.body if isinstance(node, ast.Assign) for target in node.targets]
        defined |= {target.id for target in assigned if isinstance(target, ast.Name)}
        assert attribute in defined, f"{path.relative_to(ROOT)} defines no top-level {attribute!r} for {logical_id}"


def test_auth_token_is_never_a_plaintext_environment_variable(template):
    environments = [node["Variables"] for node in walk(template) if "Variables" in node and isinstance(node, dict)]
    assert environments
    for variables in environments:
        assert "TWILIO_AUTH_TOKEN" not in variables, "pass TWILIO_AUTH_TOKEN_PARAMETER (an SSM name) instead"
        assert "TWILIO_API_KEY_SECRET" not in variables, "pass TWILIO_API_KEY_SECRET_PARAMETER instead"
        for name, value in variables.items():
            assert "{{resolve:" not in str(value), f"{name} would hold a resolved secret in plaintext"


def test_webhook_url_has_no_stage_path(template):
    stage = template["Resources"]["HttpApi"].get("Properties", {}).get("StageName", "$default")
    assert stage == "$default"
    url = template["Outputs"]["DebuggerWebhookUrl"]["Value"]["Fn::If"]
    assert url[2] == {"Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/twilio/debugger"}
    assert url[1] == {"Fn::Sub": "${PublicBaseUrl}/twilio/debugger"}
