"""The Event Streams API (events.twilio.com/v1 Sinks and Subscriptions) as configure-twilio uses it.

Served by the Verify emulator's app under /v1; twilio-python reaches it after
`client.events.base_url = <emulator URL>`. Shapes and required fields follow Twilio's spec
(tests/twilio_oai). A new sink walks the spec's status enum one step per fetch, initialized →
validating → active, so clients must wait for `active` before subscribing (Twilio refuses a
subscription to an inactive sink, error 91100). A webhook sink whose destination host ends in
`.invalid` (RFC 6761: never resolves) goes to `failed` instead, to exercise that path.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, request

from factor_cleanup.domain.sids import is_sid
from factor_cleanup.local.verify_emulator_api import _gate, _json, _leave, _page
from factor_cleanup.local.verify_emulator_errors import (
    ApiError,
    bad_request,
    has_sid_shape,
    missing,
    not_found,
    sid_parameter,
)
from factor_cleanup.local.verify_emulator_records import DEFAULT_ACCOUNT_SID, iso, new_sid, utc_now

SINK_TYPES = ("kinesis", "webhook", "segment", "email")
NEXT_STATUS = {"initialized": "validating", "validating": "active"}
SINK_NOT_ACTIVE = 91100  # "Subscription could not be created": the sink is not active

events_api = Blueprint("events_api", __name__, url_prefix="/v1")
events_api.before_request(_gate)  # the same auth, latency, faults and in-flight counting as /v2
events_api.teardown_request(_leave)


@dataclass
class EventStreamsState:
    sinks: dict[str, dict] = field(default_factory=dict)
    subscriptions: dict[str, dict] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def register(app: Flask) -> EventStreamsState:
    """Serve /v1 from `app`, with state of its own (each emulator app starts empty)."""
    state = app.extensions["event_streams"] = EventStreamsState()
    app.register_blueprint(events_api)
    return state


def _state() -> EventStreamsState:
    return current_app.extensions["event_streams"]


def _account_sid() -> str:
    """The account making the request: its SID when it authenticates as itself (an API key does not say)."""
    username = request.authorization.username if request.authorization else None
    return username if username and is_sid(username, "AC") else DEFAULT_ACCOUNT_SID


def _required(name: str) -> str:
    value = request.form.get(name, "")
    if not value:
        raise missing(name)
    return value


def _form_json(name: str) -> dict:
    try:
        value = json.loads(_required(name))
    except ValueError:
        raise bad_request(f"{name} must be JSON") from None
    if not isinstance(value, dict):
        raise bad_request(f"{name} must be a JSON object")
    return value


def _settles_as(sink_type: str, configuration: dict) -> str:
    """Where validation ends: `failed` for a webhook nobody can reach (a `.invalid` host), else `active`."""
    host = urlsplit(str(configuration.get("destination", ""))).hostname or ""
    return "failed" if sink_type == "webhook" and host.endswith(".invalid") else "active"


@events_api.post("/Sinks")
def create_sink() -> tuple[Response, int]:
    description, sink_type = _required("Description"), _required("SinkType")
    if sink_type not in SINK_TYPES:
        raise bad_request(f"SinkType must be one of {', '.join(SINK_TYPES)}")
    configuration = _form_json("SinkConfiguration")
    now, sid = iso(utc_now()), new_sid("DG")
    sink = {
        "sid": sid,
        "description": description,
        "sink_type": sink_type,
        "sink_configuration": configuration,
        "status": "initialized",
        "date_created": now,
        "date_updated": now,
        "_path": f"/v1/Sinks/{sid}",
        "_links": {"sink_test": f"/v1/Sinks/{sid}/Test", "sink_validate": f"/v1/Sinks/{sid}/Validate"},
        "_settles_as": _settles_as(sink_type, configuration),
    }
    with _state().lock:
        _state().sinks[sid] = sink
    return _json(sink, 201)


@events_api.get("/Sinks")
def list_sinks() -> Response:
    with _state().lock:
        sinks = list(_state().sinks.values())
    return _page("sinks", sinks, {})


@events_api.get("/Sinks/<sink_sid>")
def fetch_sink(sink_sid: str) -> tuple[Response, int]:
    """The sink, one validation step further along than the last fetch left it."""
    sink = _sink(sink_sid)
    with _state().lock:
        if sink["status"] in NEXT_STATUS:
            step = NEXT_STATUS[sink["status"]]
            sink["status"] = sink["_settles_as"] if step == "active" else step
            sink["date_updated"] = iso(utc_now())
    return _json(sink)


@events_api.post("/Sinks/<sink_sid>")
def update_sink(sink_sid: str) -> tuple[Response, int]:
    sink = _sink(sink_sid)
    description = _required("Description")
    with _state().lock:
        sink.update(description=description, date_updated=iso(utc_now()))
    return _json(sink)


@events_api.post("/Subscriptions")
def create_subscription() -> tuple[Response, int]:
    description = _required("Description")
    sink_sid = sid_parameter(_required("SinkSid"), "SinkSid", "DG")
    sink = _sink(sink_sid, absent=bad_request(f"Sink {sink_sid} does not exist"))
    if sink["status"] != "active":
        raise bad_request(f"Sink {sink_sid} is {sink['status']}; it must be active to subscribe", SINK_NOT_ACTIVE)
    types = _types()
    now, sid = iso(utc_now()), new_sid("DF")
    subscription = {
        "account_sid": _account_sid(),
        "sid": sid,
        "date_created": now,
        "date_updated": now,
        "description": description,
        "sink_sid": sink_sid,
        "_types": types,
        "_path": f"/v1/Subscriptions/{sid}",
        "_links": {"subscribed_events": f"/v1/Subscriptions/{sid}/SubscribedEvents"},
    }
    with _state().lock:
        _state().subscriptions[sid] = subscription
    return _json(subscription, 201)


def _types() -> list[dict]:
    """The Types form values: each a JSON object naming an event type."""
    try:
        types = [json.loads(raw) for raw in request.form.getlist("Types")]
    except ValueError:
        raise bad_request("each Types value must be JSON") from None
    if not types:
        raise missing("Types")
    if not all(isinstance(t, dict) and isinstance(t.get("type"), str) for t in types):
        raise bad_request('each Types value must be a JSON object with a "type"')
    return types


@events_api.get("/Subscriptions")
def list_subscriptions() -> Response:
    sink_sid = request.args.get("SinkSid")
    if sink_sid:
        sid_parameter(sink_sid, "SinkSid", "DG")
    with _state().lock:
        found = [s for s in _state().subscriptions.values() if not sink_sid or s["sink_sid"] == sink_sid]
    return _page("subscriptions", found, {"SinkSid": sink_sid} if sink_sid else {})


@events_api.get("/Subscriptions/<subscription_sid>/SubscribedEvents")
def list_subscribed_events(subscription_sid: str) -> Response:
    with _state().lock:
        subscription = _state().subscriptions.get(subscription_sid)
    if subscription is None:
        raise not_found()
    path = (
        f"/v1/Subscriptions/{subscription_sid}/SubscribedEvents"  # no schema_version: Twilio takes the latest, here 1
    )
    types = [
        {
            "account_sid": subscription["account_sid"],
            "type": t["type"],
            "schema_version": t.get("schema_version", 1),
            "subscription_sid": subscription_sid,
            "_path": f"{path}/{t['type']}",
        }
        for t in subscription["_types"]
    ]
    return _page("types", types, {})


def _sink(sid: str, absent: ApiError | None = None) -> dict:
    """The stored sink (a malformed SID names nothing, so it is not found either)."""
    with _state().lock:
        sink = _state().sinks.get(sid) if has_sid_shape(sid, "DG") else None
    if sink is None:
        raise absent or not_found()
    return sink
