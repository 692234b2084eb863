"""The Event Streams API (events.twilio.com/v1 Sinks and Subscriptions) as configure-twilio uses it.

Served by the Verify emulator's app under /v1; twilio-python reaches it after
`client.events.base_url = <emulator URL>`. Sinks are active when created, as Twilio's now are.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

from flask import Blueprint, Flask, Response, current_app, request

from factor_cleanup.local.verify_emulator_api import ApiError, _gate, _json, _leave, _page, bad_request, not_found
from factor_cleanup.local.verify_emulator_data import iso, new_sid, utc_now

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


def _form_json(name: str) -> dict:
    try:
        value = json.loads(request.form[name])
    except KeyError:
        raise bad_request(f"Missing required parameter {name}") from None
    except ValueError:
        raise bad_request(f"{name} must be JSON") from None
    if not isinstance(value, dict):
        raise bad_request(f"{name} must be a JSON object")
    return value


@events_api.post("/Sinks")
def create_sink() -> tuple[Response, int]:
    sink_type = request.form.get("SinkType", "")
    if sink_type not in ("webhook", "kinesis", "segment"):
        raise bad_request("SinkType must be webhook, kinesis or segment")
    now = iso(utc_now())
    sink = {"sid": new_sid("DG"), "description": request.form.get("Description", ""), "sink_type": sink_type,
            "sink_configuration": _form_json("SinkConfiguration"), "status": "active",
            "date_created": now, "date_updated": now}  # fmt: skip
    sink["_path"] = f"/v1/Sinks/{sink['sid']}"
    with _state().lock:
        _state().sinks[sink["sid"]] = sink
    return _json(sink, 201)


@events_api.get("/Sinks")
def list_sinks() -> Response:
    with _state().lock:
        sinks = list(_state().sinks.values())
    return _page("sinks", sinks, {})


@events_api.get("/Sinks/<sid>")
def fetch_sink(sid: str) -> tuple[Response, int]:
    return _json(_sink(sid))


@events_api.post("/Sinks/<sid>")
def update_sink(sid: str) -> tuple[Response, int]:
    sink = _sink(sid)
    with _state().lock:
        sink["description"] = request.form.get("Description", sink["description"])
        sink["date_updated"] = iso(utc_now())
    return _json(sink)


@events_api.post("/Subscriptions")
def create_subscription() -> tuple[Response, int]:
    sink_sid = request.form.get("SinkSid", "")
    _sink(sink_sid, missing=ApiError(400, 20001, f"Sink {sink_sid} does not exist"))
    try:
        types = [json.loads(raw) for raw in request.form.getlist("Types")]
    except ValueError:
        raise bad_request("each Types value must be JSON") from None
    if not types:
        raise bad_request("Missing required parameter Types")
    now = iso(utc_now())
    subscription = {"sid": new_sid("DF"), "description": request.form.get("Description", ""), "sink_sid": sink_sid,
                    "types": types, "date_created": now, "date_updated": now}  # fmt: skip
    subscription["_path"] = f"/v1/Subscriptions/{subscription['sid']}"
    with _state().lock:
        _state().subscriptions[subscription["sid"]] = subscription
    return _json(subscription, 201)


@events_api.get("/Subscriptions")
def list_subscriptions() -> Response:
    sink_sid = request.args.get("SinkSid")
    with _state().lock:
        found = [s for s in _state().subscriptions.values() if not sink_sid or s["sink_sid"] == sink_sid]
    return _page("subscriptions", found, {"SinkSid": sink_sid} if sink_sid else {})


@events_api.get("/Subscriptions/<sid>/SubscribedEvents")
def list_subscribed_events(sid: str) -> Response:
    with _state().lock:
        subscription = _state().subscriptions.get(sid)
    if subscription is None:
        raise not_found()
    types = [{"type": t.get("type"), "schema_version": t.get("schema_version"), "subscription_sid": sid,
              "_path": f"/v1/Subscriptions/{sid}/SubscribedEvents/{t.get('type')}"} for t in subscription["types"]]  # fmt: skip
    return _page("types", types, {})


def _sink(sid: str, missing: ApiError | None = None) -> dict:
    with _state().lock:
        sink = _state().sinks.get(sid)
    if sink is None:
        raise missing or not_found()
    return sink
