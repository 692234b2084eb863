"""The CloudWatch dashboard in infra/template.yaml plots what the code emits, every DLQ, and the breaker's allowance.

The emitted metrics come from `factor_cleanup.runtime.metrics.emitted_metrics()`, the table the EMF processor itself
reads; the dashboard body is the template's `Fn::Sub` string, resolved the way CloudFormation would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from factor_cleanup.domain.decision_record import Outcome
from factor_cleanup.local.sam_offline import transform_offline
from factor_cleanup.local.template import load_template
from factor_cleanup.runtime.metrics import NAMESPACE, emitted_metrics
from tests.aws import TEMPLATE
from tests.support.template import PARAMETERS, walk

Plotted = tuple[str, str, frozenset[str], dict[str, str]]  # namespace, metric, dimension names, fixed dimension values
_SEARCH = re.compile(r"SEARCH\('\{([^}]*)\}([^']*)'")
_FILTER = re.compile(r'(\w+)="([^"]*)"')


@pytest.fixture(scope="module")
def template() -> dict:
    return transform_offline(TEMPLATE, PARAMETERS)


def dashboards(template: dict) -> list[dict[str, Any]]:
    items = template["Resources"].items()
    return [resource["Properties"] for _, resource in items if resource["Type"] == "AWS::CloudWatch::Dashboard"]


def resolve_sub(text: str, template: dict) -> str:
    """What CloudFormation would make of the Fn::Sub: parameters take their defaults, resources a placeholder."""
    parameters = {**{k: str(p.get("Default", "")) for k, p in template["Parameters"].items()}, **PARAMETERS}
    pseudo = {"AWS::Region": "us-east-1", "AWS::StackName": "push-janitor-test", "AWS::AccountId": "123456789012"}

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        return pseudo.get(name) or parameters.get(name) or f"<{name}>"

    return re.sub(r"\$\{([^}]*)\}", value, text)


def body(template: dict) -> dict[str, Any]:
    [dashboard] = dashboards(template)
    return json.loads(resolve_sub(dashboard["DashboardBody"]["Fn::Sub"], template))


def plotted(dashboard: dict[str, Any]) -> Iterator[Plotted]:
    """Every metric a widget plots: explicit metric arrays ("." repeats the line above) and SEARCH expressions."""
    for widget in dashboard["widgets"]:
        previous: list[Any] = []
        for line in widget.get("properties", {}).get("metrics", []):
            if isinstance(line[0], dict):
                yield from _searched(line[0]["expression"])
                continue
            parts = [item for item in line if not isinstance(item, dict)]
            parts = [previous[i] if part == "." and i < len(previous) else part for i, part in enumerate(parts)]
            previous = parts
            fixed = dict(zip(parts[2::2], parts[3::2], strict=True))
            yield parts[0], parts[1], frozenset(fixed), fixed


def _searched(expression: str) -> Iterator[Plotted]:
    found = _SEARCH.findall(expression)
    assert found, (
        f"an expression that is not a SEARCH: {expression!r}; teach tests/integration/test_dashboard.py to read it"
    )
    for schema, terms in found:
        namespace, *dimensions = (part.strip() for part in schema.split(","))
        filters = dict(_FILTER.findall(terms))
        yield namespace, filters.pop("MetricName"), frozenset(dimensions), filters


def undeclared(dashboard: dict[str, Any]) -> list[Plotted]:
    emitted = emitted_metrics()
    ours = [line for line in plotted(dashboard) if line[0] == NAMESPACE]
    return [line for line in ours if (line[1], line[2]) not in emitted or not set(line[3]) <= line[2]]


def test_every_project_metric_on_the_dashboard_is_emitted_with_the_same_dimensions(template):
    dashboard = body(template)
    ours = {(name, dims) for namespace, name, dims, _ in plotted(dashboard) if namespace == NAMESPACE}
    assert len(ours) >= 9, ours  # the check below read the widgets, not an empty list
    assert undeclared(dashboard) == []


def test_the_check_catches_a_metric_the_code_does_not_emit(template):
    dashboard = body(template)
    search = "SEARCH('{PushJanitor,Outcome} MetricName=\"Decisions\"', 'Sum', 300)"  # emitted only with ReasonCode too
    dashboard["widgets"].append(
        {
            "type": "metric",
            "properties": {
                "metrics": [
                    ["PushJanitor", "Deletions", "Service", "VA1"],
                    [".", "Deleted", ".", "."],
                    [{"expression": search}],
                ]
            },
        }
    )
    assert [(name, sorted(dims)) for _, name, dims, _ in undeclared(dashboard)] == [
        ("Deletions", ["Service"]),
        ("Deleted", ["Service"]),
        ("Decisions", ["Outcome"]),
    ]


def test_decisions_show_every_outcome_and_only_real_ones(template):
    shown = {
        fixed["Outcome"] for _, name, _, fixed in plotted(body(template)) if name == "Decisions" and "Outcome" in fixed
    }
    assert shown == {outcome.value for outcome in Outcome}


def test_every_dead_letter_queue_of_the_stack_is_on_the_dashboard(template):
    """DLQs are the targets of redrive policies and of DeadLetterConfigs (SAM makes some: read after the transform)."""
    queues = {key for key, r in template["Resources"].items() if r["Type"] == "AWS::SQS::Queue"}
    targets = set()
    for node in walk(template["Resources"]):
        for key in ("deadLetterTargetArn", "DeadLetterConfig", "TargetArn"):
            targets |= {ref for ref in _get_atts(node.get(key)) if ref in queues}
    assert {"DeadLetterQueue", "SweeperDeadLetterQueue", "ReportDeadLetterQueue"} <= targets
    depths = {
        fixed.get("QueueName")
        for namespace, name, _, fixed in plotted(body(template))
        if (namespace, name) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    }
    assert {f"<{queue}.QueueName>" for queue in targets} <= depths


def test_deletions_are_drawn_against_the_breaker_parameter_and_the_url_is_an_output():
    raw = load_template(TEMPLATE)
    [dashboard] = dashboards(raw)
    assert '"value": ${MaxDeletionsPerHour}' in dashboard["DashboardBody"]["Fn::Sub"]
    assert "#dashboards/dashboard/${Dashboard}" in raw["Outputs"]["DashboardUrl"]["Value"]["Fn::Sub"]


def _get_atts(node: Any) -> Iterator[str]:
    for item in walk(node):
        if "Fn::GetAtt" in item:
            yield item["Fn::GetAtt"][0]
