"""Creates infra/template.yaml's queues and tables on a local endpoint and resolves function environments from it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

Resources = dict[str, dict]
Lookup = Callable[[str, str], str]  # (logical id or parameter name, "Ref" or a GetAtt attribute) -> value
NO_VALUE = object()  # what !Ref AWS::NoValue resolves to: the enclosing key or list item is dropped
_PSEUDO_FROM_ARN = {"AWS::Partition": 1, "AWS::Region": 3, "AWS::AccountId": 4}
_PSEUDO_FIXED = {"AWS::URLSuffix": "amazonaws.com", "AWS::StackName": "push-janitor"}
# Passed to create_table as they are; StreamSpecification is translated, the rest (PITR, SSE, Tags) is AWS-only.
_TABLE_PROPERTIES: tuple[str, ...] = ("KeySchema", "AttributeDefinitions", "ProvisionedThroughput")
_TABLE_PROPERTIES += ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")


class CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader that turns CloudFormation short tags (!Ref, !GetAtt, !Sub, …) into their long-form dicts."""


def _construct_tag(loader: yaml.Loader, suffix: str, node: yaml.Node) -> dict:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)  # YAML has no fourth kind of node
        value = loader.construct_mapping(node, deep=True)
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _construct_tag)


def load_template(template_path: str | Path) -> dict:
    return yaml.load(Path(template_path).read_text(encoding="utf-8"), Loader=CloudFormationLoader)


def _of_type(template: dict, type_name: str) -> dict[str, dict]:
    items = template.get("Resources", {}).items()
    return {key: resource.get("Properties", {}) for key, resource in items if resource.get("Type") == type_name}


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _resolver(template: dict, lookup: Lookup) -> Callable[[Any], Any]:
    """A function that evaluates intrinsics, asking `lookup` for every reference."""
    conditions = template.get("Conditions", {})

    def sub(argument: Any) -> str:
        text, names = (argument, {}) if isinstance(argument, str) else argument

        def replace(match: re.Match) -> str:
            ref = match.group(1)
            if ref.startswith("!"):
                return "${" + ref[1:] + "}"
            if ref in names:
                return _text(resolve(names[ref]))
            return _text(lookup(*ref.split(".", 1)) if "." in ref else lookup(ref, "Ref"))

        return re.sub(r"\$\{([^}]*)\}", replace, text)

    functions: dict[str, Callable[[Any], Any]] = {
        "Ref": lambda a: NO_VALUE if a == "AWS::NoValue" else lookup(a, "Ref"),
        "Fn::GetAtt": lambda a: lookup(*(a if isinstance(a, list) else a.split(".", 1))),
        "Fn::Sub": sub,
        "Fn::Join": lambda a: str(a[0]).join(_text(item) for item in resolve(a[1])),
        "Fn::Select": lambda a: resolve(a[1])[int(resolve(a[0]))],
        "Fn::Split": lambda a: _text(resolve(a[1])).split(a[0]),
        "Fn::If": lambda a: resolve(a[1] if resolve(conditions[a[0]]) else a[2]),
        "Condition": lambda a: resolve(conditions[a]),
        "Fn::Equals": lambda a: _text(resolve(a[0])) == _text(resolve(a[1])),
        "Fn::Not": lambda a: not resolve(a[0]),
        "Fn::And": lambda a: all(resolve(item) for item in a),
        "Fn::Or": lambda a: any(resolve(item) for item in a),
    }

    def resolve(value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in map(resolve, value) if item is not NO_VALUE]
        if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in functions:
            function, argument = next(iter(value.items()))
            return functions[function](argument)
        if isinstance(value, dict):
            resolved = {key: resolve(item) for key, item in value.items()}
            return {key: item for key, item in resolved.items() if item is not NO_VALUE}
        return value

    return resolve


def _lookup(template: dict, parameters: dict[str, str], resources: Resources, create: Callable[[str], None]) -> Lookup:
    """Answers a reference from: the given parameters, the template's Defaults, pseudo parameters, created resources."""
    declared = template.get("Parameters", {})

    def lookup(name: str, attribute: str) -> str:
        if attribute == "Ref" and name in parameters:
            return parameters[name]
        if attribute == "Ref" and name in declared:
            if "Default" not in declared[name]:
                raise LookupError(f"parameter {name} has no Default and no value was given")
            return _text(declared[name]["Default"])
        if attribute == "Ref" and name.startswith("AWS::"):
            arn = next((r["arn"] for r in resources.values() if r.get("arn", "").startswith("arn:")), "")
            if name in _PSEUDO_FROM_ARN and arn:  # region, account and partition the endpoint reported
                return arn.split(":")[_PSEUDO_FROM_ARN[name]]
            if name not in _PSEUDO_FIXED:
                raise LookupError(f"pseudo parameter {name} is not known locally")
            return _PSEUDO_FIXED[name]
        if name not in resources:
            create(name)
        created = resources[name]
        field = {"Ref": "url" if "url" in created else "name", "QueueUrl": "url", "QueueName": "name"}
        if field.get(attribute, attribute.lower()) not in created:
            raise LookupError(f"{name}.{attribute} is not known for a local queue or table")
        return created[field.get(attribute, attribute.lower())]

    return lookup


def _not_created(name: str) -> None:
    raise LookupError(f"{name} is neither a parameter nor a queue or table created locally")


def create_local_resources(
    template_path, sqs_client, dynamodb_client, name_prefix="push-janitor-", s3_client=None
) -> dict[str, dict]:
    """Create (or reuse) every SQS queue, DynamoDB table and, given an S3 client, bucket the template declares."""
    template = load_template(template_path)
    queues = _of_type(template, "AWS::SQS::Queue")
    created: Resources = {}

    def create_queue(logical_id: str) -> None:
        if logical_id not in queues:
            _not_created(logical_id)
        properties = resolve(queues[logical_id])  # resolving RedrivePolicy creates its dead-letter queue first
        name = properties.pop("QueueName", name_prefix + logical_id)
        properties.pop("Tags", None)
        attributes = {key: json.dumps(v) if isinstance(v, dict) else _text(v) for key, v in properties.items()}
        try:
            url = sqs_client.get_queue_url(QueueName=name)["QueueUrl"]
        except sqs_client.exceptions.QueueDoesNotExist:
            url = sqs_client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs_client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        created[logical_id] = {"url": url, "arn": arn, "name": name}

    resolve = _resolver(template, _lookup(template, {}, created, create_queue))
    for logical_id in queues:
        if logical_id not in created:
            create_queue(logical_id)
    for logical_id, raw in _of_type(template, "AWS::DynamoDB::Table").items():
        properties = resolve(raw)
        name = properties.get("TableName", name_prefix + logical_id)
        created[logical_id] = {"name": name, "arn": _ensure_table(dynamodb_client, name, properties)}
    for logical_id in _of_type(template, "AWS::S3::Bucket") if s3_client else ():
        created[logical_id] = _ensure_bucket(s3_client, (name_prefix + logical_id).lower())
    return created


def _ensure_bucket(client, name: str) -> dict[str, str]:
    """Bucket names are global and lowercase on AWS; locally the prefixed logical id is unique enough."""
    try:
        client.head_bucket(Bucket=name)
    except client.exceptions.ClientError:
        client.create_bucket(Bucket=name)
    return {"name": name, "arn": f"arn:aws:s3:::{name}"}


def _ensure_table(client, name: str, properties: dict) -> str:
    try:
        description = client.describe_table(TableName=name)["Table"]
    except client.exceptions.ResourceNotFoundException:
        request = {key: properties[key] for key in _TABLE_PROPERTIES if key in properties}
        if "StreamSpecification" in properties:
            request["StreamSpecification"] = {"StreamEnabled": True, **properties["StreamSpecification"]}
        client.create_table(TableName=name, BillingMode=properties.get("BillingMode", "PROVISIONED"), **request)
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        description = client.describe_table(TableName=name)["Table"]
    ttl = properties.get("TimeToLiveSpecification") or {}
    if _text(ttl.get("Enabled")) == "true":
        status = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"].get("TimeToLiveStatus")
        if status not in ("ENABLED", "ENABLING"):  # enabling twice is an error on real DynamoDB
            spec = {"AttributeName": ttl["AttributeName"], "Enabled": True}
            client.update_time_to_live(TableName=name, TimeToLiveSpecification=spec)
    return description["TableArn"]


def function_environment(
    template_path, function_logical_id: str, resources: dict[str, dict], parameters: dict[str, str]
) -> dict[str, str]:
    """The function's Environment.Variables (over Globals.Function's) with every reference resolved locally."""
    template = load_template(template_path)
    function = template.get("Resources", {}).get(function_logical_id)
    if function is None:
        raise ValueError(f"{function_logical_id} is not a resource in {template_path}")
    shared = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    own = function.get("Properties", {}).get("Environment", {}).get("Variables", {})
    resolve = _resolver(template, _lookup(template, parameters, resources, _not_created))
    environment = {}
    for variable, value in {**shared, **own}.items():
        try:
            resolved = resolve(value)
        except (LookupError, TypeError, ValueError, IndexError) as exc:
            raise ValueError(f"{function_logical_id} environment variable {variable} = {value!r}: {exc}") from exc
        if isinstance(resolved, (dict, list)):
            raise ValueError(f"{function_logical_id} environment variable {variable} = {value!r}: not resolvable")
        if resolved is not NO_VALUE:
            environment[variable] = _text(resolved)
    return environment


def raw_environments(template: dict) -> dict[str, dict]:
    """Globals.Function's and each function's Environment.Variables, unresolved, keyed "Globals" or logical id."""
    shared = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    functions = _of_type(template, "AWS::Serverless::Function")
    own = {key: properties.get("Environment", {}).get("Variables", {}) for key, properties in functions.items()}
    return {"Globals": shared, **own}


def references(value: Any) -> set[str]:
    """Every name an expression refers to: !Ref targets and ${Name} or ${Name.Attribute} in !Sub."""
    if isinstance(value, list):
        return set().union(*map(references, value))
    if not isinstance(value, dict):
        return set()
    if set(value) == {"Ref"}:
        return {value["Ref"]}
    if set(value) == {"Fn::Sub"}:
        text, names = (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]
        placeholders = {name.split(".")[0] for name in re.findall(r"\$\{([^!}][^}]*)\}", text)}
        return (placeholders - set(names)) | references(list(names.values()))
    return set().union(*map(references, value.values()))


def environment_parameters(template: dict) -> dict[str, str]:
    """Each function environment variable set from exactly one template parameter -> that parameter."""
    declared = template.get("Parameters", {})
    found = {}
    for variables in raw_environments(template).values():
        for variable, value in variables.items():
            names = references(value) & set(declared)
            if len(names) == 1:
                found[variable] = names.pop()
    return found


def parameters_from_environment(template_path, environ: dict[str, str]) -> dict[str, str]:
    """The parameters an environment sets, as `sam deploy --parameter-overrides` would: the shell wins over Defaults."""
    mapping = environment_parameters(load_template(template_path))
    return {parameter: environ[variable] for variable, parameter in mapping.items() if variable in environ}
