"""Twilio's OpenAPI specs (tests/twilio_oai) as validators for the local emulators' answers.

The specs declare no `required` fields and allow extra ones, so a plain check would pass an answer
that lost half its fields. Twilio's JSON always carries every declared field (null when empty), so
here every declared property is required and no other is allowed: any drift fails.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cached_property
from pathlib import Path
from typing import Any

from jsonschema import FormatChecker
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_DIR = Path(__file__).resolve().parent / "twilio_oai"
FORMAT_CHECKER = FormatChecker()  # every format jsonschema can check here: date-time and uri included
PATH_PARAMETER = re.compile(r"\{[^}]+\}|<[^>]+>")


def strict(schema: Any) -> Any:
    """A copy in which every object schema requires all its properties and forbids any other."""
    schema = copy.deepcopy(schema)
    _tighten(schema)
    return schema


def _tighten(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _tighten(item)
        return
    if not isinstance(node, dict):
        return
    properties = node.get("properties")
    if isinstance(properties, dict) and all(isinstance(value, dict) for value in properties.values()):
        node.setdefault("required", sorted(properties))
        node.setdefault("additionalProperties", False)
    for value in node.values():
        _tighten(value)


def shape(path: str) -> str:
    """A path with every parameter blanked, so Flask's `<service_sid>` meets the spec's `{ServiceSid}`."""
    return PATH_PARAMETER.sub("{}", path)


class Spec:
    """One spec file: find operations by path and method, validate answers against their schemas."""

    def __init__(self, filename: str) -> None:
        self.uri = f"urn:twilio-oai:{filename}"
        self.document = json.loads((SPEC_DIR / filename).read_text())
        resource = Resource.from_contents(strict(self.document), default_specification=DRAFT4)
        self.registry = Registry().with_resource(self.uri, resource)

    @cached_property
    def _by_shape(self) -> dict[str, str]:
        return {shape(template): template for template in self.document["paths"]}

    def template(self, route: str) -> str | None:
        """The spec's path template for an emulator route (None: not in the spec)."""
        return self._by_shape.get(shape(route))

    def operation(self, template: str, method: str) -> dict[str, Any] | None:
        return self.document["paths"][template].get(method.lower())

    def validator(self, template: str, method: str, status: int) -> OAS30Validator:
        """The strict validator of the JSON answer the spec documents for this status."""
        pointer = "/".join(
            [
                "",
                "paths",
                template.replace("~", "~0").replace("/", "~1"),
                method.lower(),
                "responses",
                str(status),
                "content",
                "application~1json",
                "schema",
            ]
        )
        return self.schema_validator(pointer)

    def schema_validator(self, pointer: str) -> OAS30Validator:
        """A strict validator for any schema of the document, by JSON pointer."""
        return OAS30Validator({"$ref": f"{self.uri}#{pointer}"}, registry=self.registry, format_checker=FORMAT_CHECKER)


def problems(validator: OAS30Validator, body: Any) -> list[str]:
    """Every way `body` breaks the schema, each with where it is (empty when it conforms)."""
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in validator.iter_errors(body)
    ]


VERIFY = Spec("twilio_verify_v2.json")
EVENTS = Spec("twilio_events_v1.json")
# The specs list success answers only, except CreateVerification's 429: Twilio's error shape.
ERROR_BODY = VERIFY.validator("/v2/Services/{ServiceSid}/Verifications", "post", 429)
