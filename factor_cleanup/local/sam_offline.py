"""The SAM transform run offline: what CloudFormation would really receive, checkable without AWS.

cfn-lint on the SAM template cannot see the IAM statements that policy templates expand to, nor the
event source mappings SAM generates; the transformed template shows both.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from factor_cleanup.local.template import load_template

SERVERLESS_FUNCTION = "AWS::Serverless::Function"


class _NoManagedPolicies:
    """The transform asks IAM for managed policy ARNs only when a template names one; ours do not."""

    def load(self) -> dict[str, str]:
        return {}


def transform_offline(template_path: str | Path, parameters: dict[str, str] | None = None) -> dict[str, Any]:
    from samtranslator.translator.transform import transform

    template = copy.deepcopy(load_template(template_path))
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == SERVERLESS_FUNCTION:
            resource["Properties"]["CodeUri"] = "s3://offline-transform/code.zip"  # local paths need a build
    defaults = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}
    return transform(template, {**defaults, **(parameters or {})}, _NoManagedPolicies())


def iam_statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(role logical id, statement) for every inline policy statement of every IAM role, both sides of an Fn::If."""
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::IAM::Role":
            continue
        for policy in _branches(resource.get("Properties", {}).get("Policies", [])):
            statements = policy.get("PolicyDocument", {}).get("Statement", [])
            for statement in _branches(statements if isinstance(statements, list) else [statements]):
                yield logical_id, statement


def _branches(items: list[Any]) -> Iterator[dict[str, Any]]:
    """Each item, or for a conditional item each branch that is not AWS::NoValue."""
    for item in items:
        if isinstance(item, dict) and "Fn::If" in item:
            yield from (branch for branch in item["Fn::If"][1:] if isinstance(branch, dict) and "Ref" not in branch)
        elif isinstance(item, dict):
            yield item


def referenced_logical_ids(node: Any) -> Iterator[str]:
    """Every logical id a value points at through Ref, Fn::GetAtt or ${…} in Fn::Sub."""
    import re

    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield value
            elif key == "Fn::GetAtt":
                yield (value[0] if isinstance(value, list) else str(value).split(".")[0])
            elif key == "Fn::Sub":
                text, local = (value[0], value[1]) if isinstance(value, list) else (value, {})
                names = {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", str(text))}
                yield from names - set(local)
                yield from referenced_logical_ids(local)
            else:
                yield from referenced_logical_ids(value)
    elif isinstance(node, list):
        for item in node:
            yield from referenced_logical_ids(item)
