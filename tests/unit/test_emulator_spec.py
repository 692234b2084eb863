"""The local Verify and Event Streams emulators answer as Twilio's OpenAPI specs (tests/twilio_oai) say.

Every Twilio route the emulators serve is found in the spec and called on the success path; each
answer must match the spec's response schema with every declared field present and no other
(tests/twilio_spec.py). The emulators must also refuse what the spec refuses: missing required
fields, malformed SIDs and identities, values outside an enum, each with Twilio's error body.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient

from factor_cleanup.local.verify_emulator import EmulatorState, create_emulator_app
from tests.twilio_spec import ERROR_BODY, EVENTS, FORMAT_CHECKER, VERIFY, Spec, problems

ACCOUNT_SID = "AC" + "a1" * 16
AUTH = (ACCOUNT_SID, "spec-test-token")
SERVICE_SID = "VA" + "b2" * 16
IDENTITY = "spec-user-0001"
ERROR_LOGS = json.dumps({"type": "com.twilio.error-logs.error.logged", "schema_version": 2})
MANY = 3  # of each listed resource, so a page of one has both a previous and a next page
BAD_IDENTITIES = ("short-1", "user_0001_abc", "-dash-first-1", "a" * 65)


def twilio_routes() -> list[tuple[str, str]]:
    """(Flask rule, method) of every Twilio API route the emulators serve (not their /_emulator controls)."""
    app = create_emulator_app(EmulatorState())
    return sorted(
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/v1/", "/v2/"))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


ROUTES = twilio_routes()


def spec_for(rule: str) -> Spec:
    return VERIFY if rule.startswith("/v2/") else EVENTS


def operation_of(rule: str, method: str) -> tuple[Spec, str, dict[str, Any]]:
    spec = spec_for(rule)
    template = spec.template(rule)
    assert template, f"{rule} is not in Twilio's spec"
    operation = spec.operation(template, method)
    assert operation, f"{method} {template} is not in Twilio's spec"
    return spec, template, operation


@dataclass
class World:
    """An emulator with some of everything, and an existing resource for each SID prefix."""

    client: FlaskClient
    sids: dict[str, str]

    def call(self, method: str, url: str, form: dict[str, Any] | None = None) -> Any:
        return self.client.open(url, method=method, data=form, auth=AUTH)

    def path(self, template: str, operation: dict[str, Any], **override: str) -> str:
        """The template with each parameter set to an existing resource (or to an override, by name)."""
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                name = parameter["name"]
                value = override.get(name) or self.value_for(parameter)
                template = template.replace("{" + name + "}", value)
        return template

    def value_for(self, parameter: dict[str, Any]) -> str:
        pattern = parameter["schema"].get("pattern", "")
        return self.sids[pattern[1:3]] if pattern.startswith("^") else IDENTITY

    def form_for(self, operation_id: str) -> dict[str, Any]:
        """A body the spec accepts for each create or update the emulators serve."""
        return {
            "CreateChallenge": {"FactorSid": self.sids.get("YF"), "Details.Message": "Sign in?"},
            "CreateWebhook": {
                "FriendlyName": "janitor",
                "EventTypes": ["factor.deleted", "challenge.approved"],
                "WebhookUrl": "https://hooks.example.com/verify",
            },
            "UpdateWebhook": {"Status": "disabled"},
            "CreateSink": {
                "Description": "janitor",
                "SinkType": "webhook",
                "SinkConfiguration": json.dumps(
                    {"destination": "https://hooks.example.com/twilio/events", "method": "POST", "batch_events": True}
                ),
            },
            "UpdateSink": {"Description": "renamed"},
            "CreateSubscription": {"Description": "error logs", "SinkSid": self.sids.get("DG"), "Types": [ERROR_LOGS]},
        }.get(operation_id, {})


def active_sink(world: World) -> str:
    """A new webhook sink, read until the emulator has validated it."""
    created = world.call("POST", "/v1/Sinks", world.form_for("CreateSink")).get_json()
    while world.call("GET", f"/v1/Sinks/{created['sid']}").get_json()["status"] != "active":
        pass
    return created["sid"]


@pytest.fixture
def world() -> World:
    state = EmulatorState({AUTH})
    state.add_service(SERVICE_SID, account_sid=ACCOUNT_SID)
    for n in range(MANY):
        state.add_factor(SERVICE_SID, f"spec-user-000{n + 2}")
    factors = [state.add_factor(SERVICE_SID, IDENTITY, platform=platform)["sid"] for platform in ("fcm", "apn", "fcm")]
    challenges = [
        state.add_challenge(SERVICE_SID, IDENTITY, factors[0], status)["sid"]
        for status in ("pending", "approved", "expired")
    ]
    webhooks = [
        state.add_webhook(SERVICE_SID, f"hook {n}", ["*"], f"https://hooks.example.com/{n}")["sid"] for n in range(MANY)
    ]
    world = World(
        create_emulator_app(state).test_client(),
        {"VA": SERVICE_SID, "YF": factors[0], "YC": challenges[0], "YW": webhooks[0], "AC": ACCOUNT_SID},
    )
    sinks = [active_sink(world) for _ in range(MANY)]
    world.sids["DG"] = sinks[0]
    world.sids["DF"] = world.call(
        "POST", "/v1/Subscriptions", {**world.form_for("CreateSubscription"), "Types": [ERROR_LOGS] * MANY}
    ).get_json()["sid"]
    for _ in range(MANY - 1):
        world.call("POST", "/v1/Subscriptions", world.form_for("CreateSubscription"))
    return world


def assert_conforms(spec: Spec, template: str, method: str, operation: dict[str, Any], answer: Any) -> None:
    assert answer.status_code in {int(status) for status in operation["responses"]}, answer.get_data(as_text=True)
    if answer.status_code == 204:
        assert answer.get_data() == b""
        return
    assert problems(spec.validator(template, method, answer.status_code), answer.get_json()) == []


def test_the_schema_checks_formats_and_requires_every_declared_field() -> None:
    assert {"date-time", "uri"} <= set(FORMAT_CHECKER.checkers)  # else formats would pass unchecked
    sink = EVENTS.schema_validator("/components/schemas/events.v1.sink")
    assert any("links" in problem for problem in problems(sink, {"sid": None}))
    assert any(
        "unexpected" in problem
        for problem in problems(ERROR_BODY, {"code": 1, "message": "m", "more_info": "u", "status": 400, "extra": 1})
    )


@pytest.mark.parametrize(("rule", "method"), ROUTES)
def test_every_answer_matches_the_spec(world: World, rule: str, method: str) -> None:
    spec, template, operation = operation_of(rule, method)
    path = world.path(template, operation)
    answer = world.call(method, path, world.form_for(operation["operationId"]) if method == "POST" else None)
    assert_conforms(spec, template, method, operation, answer)
    if operation["operationId"].startswith("List"):
        key = answer.get_json()["meta"]["key"]
        assert answer.get_json()[key], "an empty list would leave the item schema unchecked"
        paged = world.call(method, f"{path}?PageSize=1&Page=1&PageToken=PT1")
        assert_conforms(spec, template, method, operation, paged)
        meta = paged.get_json()["meta"]
        assert meta["previous_page_url"] and meta["next_page_url"]


def path_parameters() -> Iterator[tuple[str, str, str, str]]:
    """(rule, method, parameter, bad value) for every path parameter the spec constrains."""
    for rule, method in ROUTES:
        _, _, operation = operation_of(rule, method)
        for parameter in operation.get("parameters", []):
            pattern = parameter["schema"].get("pattern")
            if parameter["in"] != "path":
                continue
            if pattern:
                prefix = pattern[1:3]
                for bad in (prefix + "0" * 31, prefix + "g" * 32, "ZZ" + "0" * 32):
                    yield rule, method, parameter["name"], bad
            elif parameter["name"] == "Identity":
                for bad in BAD_IDENTITIES:
                    yield rule, method, parameter["name"], bad


@pytest.mark.parametrize(("rule", "method", "name", "bad"), list(path_parameters()))
def test_a_malformed_sid_or_identity_in_the_path_is_refused(
    world: World, rule: str, method: str, name: str, bad: str
) -> None:
    spec, template, operation = operation_of(rule, method)
    answer = world.call(
        method, world.path(template, operation, **{name: bad}), world.form_for(operation["operationId"])
    )
    # Verify answers 400 with a code naming the parameter; Event Streams finds nothing by that SID (404).
    assert answer.status_code == (400 if spec is VERIFY else 404)
    assert problems(ERROR_BODY, answer.get_json()) == [] and answer.get_json()["status"] == answer.status_code


def body_and_query_constraints() -> Iterator[tuple[str, str, str, str, str]]:
    """(rule, method, where, parameter, bad value) for each body or query value the spec limits by pattern or enum."""
    for rule, method in ROUTES:
        spec, _, operation = operation_of(rule, method)
        form = operation.get("requestBody", {}).get("content", {}).get("application/x-www-form-urlencoded", {})
        declared = [("query", p["name"], p["schema"]) for p in operation.get("parameters", []) if p["in"] == "query"]
        declared += [("form", name, schema) for name, schema in form.get("schema", {}).get("properties", {}).items()]
        for where, name, schema in declared:
            schema = resolve(spec, schema)
            if "pattern" in schema:
                yield rule, method, where, name, schema["pattern"][1:3] + "0" * 31
            elif "enum" in schema:
                yield rule, method, where, name, "not-" + schema["enum"][0]


def resolve(spec: Spec, schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" not in schema:
        return schema
    return spec.document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]


def send(world: World, rule: str, method: str, where: str, name: str, value: str | None) -> Any:
    """The operation's valid call with one body or query parameter replaced (None: left out)."""
    _, template, operation = operation_of(rule, method)
    form = world.form_for(operation["operationId"]) if method == "POST" else {}
    path = world.path(template, operation)
    if where == "form":
        form = {key: item for key, item in form.items() if key != name} | ({name: value} if value is not None else {})
    elif value is not None:
        path += f"?{name}={value}"
    return world.call(method, path, form or None)


@pytest.mark.parametrize(("rule", "method", "where", "name", "bad"), list(body_and_query_constraints()))
def test_a_value_outside_the_spec_is_refused(
    world: World, rule: str, method: str, where: str, name: str, bad: str
) -> None:
    answer = send(world, rule, method, where, name, bad)
    assert answer.status_code == 400
    assert problems(ERROR_BODY, answer.get_json()) == []


def required_fields() -> Iterator[tuple[str, str, str]]:
    for rule, method in ROUTES:
        _, _, operation = operation_of(rule, method)
        form = operation.get("requestBody", {}).get("content", {}).get("application/x-www-form-urlencoded", {})
        for name in form.get("schema", {}).get("required", []):
            yield rule, method, name


@pytest.mark.parametrize(("rule", "method", "name"), list(required_fields()))
def test_a_missing_required_field_is_refused(world: World, rule: str, method: str, name: str) -> None:
    answer = send(world, rule, method, "form", name, None)
    assert answer.status_code == 400
    assert problems(ERROR_BODY, answer.get_json()) == []


@pytest.mark.parametrize("sink_type", EVENTS.document["components"]["schemas"]["sink_enum_sink_type"]["enum"])
def test_every_sink_type_of_the_spec_is_accepted(world: World, sink_type: str) -> None:
    form = world.form_for("CreateSink") | {"SinkType": sink_type}
    assert world.call("POST", "/v1/Sinks", form).status_code == 201


def test_a_subscription_needs_an_active_sink(world: World) -> None:
    sink = world.call("POST", "/v1/Sinks", world.form_for("CreateSink")).get_json()
    refused = world.call("POST", "/v1/Subscriptions", world.form_for("CreateSubscription") | {"SinkSid": sink["sid"]})
    assert (sink["status"], refused.status_code, refused.get_json()["code"]) == ("initialized", 400, 91100)
    statuses = [world.call("GET", f"/v1/Sinks/{sink['sid']}").get_json()["status"] for _ in range(3)]
    assert statuses == ["validating", "active", "active"]
    accepted = world.call("POST", "/v1/Subscriptions", world.form_for("CreateSubscription") | {"SinkSid": sink["sid"]})
    assert accepted.status_code == 201


def test_a_sink_nobody_can_reach_fails_validation(world: World) -> None:
    unreachable = json.dumps({"destination": "https://push-janitor.invalid/twilio/events", "method": "POST"})
    sink = world.call("POST", "/v1/Sinks", world.form_for("CreateSink") | {"SinkConfiguration": unreachable}).get_json()
    statuses = [world.call("GET", f"/v1/Sinks/{sink['sid']}").get_json()["status"] for _ in range(3)]
    assert statuses == ["validating", "failed", "failed"]
