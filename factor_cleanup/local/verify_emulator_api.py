"""The Twilio Verify v2 routes of the local emulator: same paths, JSON shapes, errors and paging as Twilio.

Every request passes `_gate` first: in-flight counting, injected latency, HTTP Basic auth, DELETE
counting, then injected errors, so tests can exercise push-janitor's retry and concurrency handling.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.http import HTTP_STATUS_CODES

from factor_cleanup.local.verify_emulator_errors import (
    ApiError,
    bad_request,
    check_verify_path,
    missing,
    not_found,
    sid_parameter,
)
from factor_cleanup.local.verify_emulator_records import CHALLENGE_STATUSES, WEBHOOK_EVENT_TYPES, Record, render
from factor_cleanup.local.verify_emulator_state import EmulatorState, Faults

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
ENTITY = "/Services/<service_sid>/Entities/<identity>"
WEBHOOK_FIELDS = {
    "FriendlyName": "friendly_name",
    "WebhookUrl": "webhook_url",
    "Status": "status",
    "Version": "version",
}

api = Blueprint("verify_api", __name__, url_prefix="/v2")


def current_state() -> EmulatorState:
    """The state this app was built over."""
    return current_app.extensions["verify_emulator"]


def _base_url() -> str:
    """Scheme and host the client used, so `url` and paging links lead back to this emulator."""
    return request.host_url.rstrip("/")


def _json(record: Record, status: int = 200) -> tuple[Response, int]:
    """One resource as Twilio JSON."""
    return jsonify(render(record, _base_url())), status


def _injected(status: int, faults: Faults) -> ApiError:
    """The error an injected fault answers with (429 carries Retry-After when configured)."""
    headers = {"Retry-After": str(faults.retry_after)} if status == 429 and faults.retry_after is not None else {}
    return ApiError(status, int(f"20{status}"), HTTP_STATUS_CODES.get(status, "Error"), headers)


@api.before_request
def _gate() -> None:
    """Count, delay, authenticate and maybe fail each Verify API request before any view runs."""
    emulator = current_state()
    emulator.enter_request()
    g.counted = True
    if emulator.faults.latency_ms:
        time.sleep(emulator.faults.latency_ms / 1000)
    auth = request.authorization
    if auth is None or auth.type != "basic" or not emulator.is_authorized(auth.username, auth.password):
        raise ApiError(401, 20003, "Authenticate", {"WWW-Authenticate": 'Basic realm="Twilio API"'})
    if request.endpoint == "verify_api.delete_factor":
        emulator.count_delete((request.view_args or {})["factor_sid"])
    status = emulator.pick_fault()
    if status is not None:
        raise _injected(status, emulator.faults)


@api.before_request
def _check_path() -> None:
    """After authentication: refuse malformed identities and SIDs in the URL (Verify routes only)."""
    check_verify_path(request.view_args or {})


@api.teardown_request
def _leave(_exc: BaseException | None) -> None:
    """Stop counting the request as in flight."""
    if g.pop("counted", False):
        current_state().leave_request()


def _page_window() -> tuple[int, int, int]:
    """Read PageSize, Page and PageToken as twilio-python sends them: (size, page number, offset)."""
    try:
        size = min(int(request.args.get("PageSize", DEFAULT_PAGE_SIZE)), MAX_PAGE_SIZE)
        number = int(request.args.get("Page", 0))
        token = request.args.get("PageToken")
        offset = int(token.removeprefix("PT")) if token else number * size
    except ValueError:
        raise bad_request("Invalid PageSize, Page or PageToken") from None
    if size < 1 or number < 0 or offset < 0:
        raise bad_request("PageSize must be 1-1000 and Page, PageToken non-negative")
    return size, number, offset


def _page(key: str, records: list[Record], filters: dict[str, str]) -> Response:
    """One page of a list with `meta` links that keep the filters, so `.list()` can follow them."""
    size, number, offset = _page_window()
    base = _base_url()

    def link(page: int, start: int) -> str:
        query = {**filters, "PageSize": size, "Page": page} | ({"PageToken": f"PT{start}"} if start else {})
        return f"{base}{request.path}?{urlencode(query)}"

    has_next = offset + size < len(records)
    meta = {
        "page": number,
        "page_size": size,
        "first_page_url": link(0, 0),
        "previous_page_url": link(max(number - 1, 0), max(offset - size, 0)) if offset > 0 else None,
        "url": link(number, offset),
        "next_page_url": link(number + 1, offset + size) if has_next else None,
        "key": key,
    }
    return jsonify({key: [render(r, base) for r in records[offset : offset + size]], "meta": meta})


def _service(service_sid: str) -> Record:
    """The service named in the URL, or 404 (every route starts by checking it)."""
    found = current_state().service(service_sid)
    if found is None:
        raise not_found()
    return found


def _found(record: Record | None) -> Record:
    """The record, or 404."""
    if record is None:
        raise not_found()
    return record


@api.get("/Services/<service_sid>")
def fetch_service(service_sid: str) -> tuple[Response, int]:
    """Fetch a service (push-janitor uses it to check credentials and service SIDs at start-up)."""
    return _json(_service(service_sid))


@api.get("/Services/<service_sid>/Entities")
def list_entities(service_sid: str) -> Response:
    """List a service's entities (each identity that has enrolled a factor)."""
    _service(service_sid)
    return _page("entities", current_state().list_entities(service_sid), {})


@api.delete(ENTITY)
def delete_entity(service_sid: str, identity: str) -> tuple[str, int]:
    """Delete an entity with all its factors."""
    _service(service_sid)
    if not current_state().delete_entity(service_sid, identity):
        raise not_found()
    return "", 204


@api.get(ENTITY + "/Factors")
def list_factors(service_sid: str, identity: str) -> Response:
    """List an entity's factors (an unknown entity lists as empty)."""
    _service(service_sid)
    return _page("factors", current_state().list_factors(service_sid, identity), {})


@api.get(ENTITY + "/Factors/<factor_sid>")
def fetch_factor(service_sid: str, identity: str, factor_sid: str) -> tuple[Response, int]:
    """Fetch one factor."""
    _service(service_sid)
    return _json(_found(current_state().find_factor(service_sid, identity, factor_sid)))


@api.delete(ENTITY + "/Factors/<factor_sid>")
def delete_factor(service_sid: str, identity: str, factor_sid: str) -> tuple[str, int]:
    """Delete one factor: 204, or 404 when it (or its entity or service) is already gone."""
    _service(service_sid)
    if not current_state().delete_factor(service_sid, identity, factor_sid):
        raise not_found()
    return "", 204


@api.get(ENTITY + "/Challenges")
def list_challenges(service_sid: str, identity: str) -> Response:
    """List challenges filtered by FactorSid and Status, ordered by date_created (asc by default, as the spec says)."""
    _service(service_sid)
    filters = {k: request.args[k] for k in ("FactorSid", "Status", "Order") if request.args.get(k)}
    if "FactorSid" in filters:
        sid_parameter(filters["FactorSid"], "FactorSid", "YF", 60362)
    if filters.get("Status", "pending") not in CHALLENGE_STATUSES:
        raise bad_request(f"Status must be one of {', '.join(sorted(CHALLENGE_STATUSES))}")
    if filters.get("Order", "asc") not in ("asc", "desc"):
        raise bad_request("Order must be asc or desc")
    found = current_state().list_challenges(
        service_sid, identity, filters.get("FactorSid"), filters.get("Status"), filters.get("Order", "asc")
    )
    return _page("challenges", found, filters)


@api.post(ENTITY + "/Challenges")
def create_challenge(service_sid: str, identity: str) -> tuple[Response, int]:
    """Create a pending challenge on a factor, as an app backend does to ask for approval."""
    _service(service_sid)
    if not request.form.get("FactorSid"):
        raise missing("FactorSid")
    factor_sid = sid_parameter(request.form["FactorSid"], "FactorSid", "YF", 60362)
    _found(current_state().find_factor(service_sid, identity, factor_sid))
    try:
        fields = [_json_field(raw) for raw in request.form.getlist("Details.Fields")]
        hidden = _json_field(request.form["HiddenDetails"]) if "HiddenDetails" in request.form else None
    except ValueError:
        raise bad_request("Details.Fields and HiddenDetails must be JSON objects") from None
    message = request.form.get("Details.Message", "Approve the sign-in?")
    record = current_state().add_challenge(
        service_sid, identity, factor_sid, message=message, fields=fields, hidden_details=hidden
    )
    return _json(record, 201)


def _json_field(raw: str) -> Record:
    """Parse one stringified JSON object from a form field."""
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError(raw)
    return value


@api.get(ENTITY + "/Challenges/<challenge_sid>")
def fetch_challenge(service_sid: str, identity: str, challenge_sid: str) -> tuple[Response, int]:
    """Fetch one challenge."""
    _service(service_sid)
    return _json(_found(current_state().find_challenge(service_sid, identity, challenge_sid)))


def _webhook_fields(creating: bool) -> Record:
    """Read and check webhook form fields; creation requires FriendlyName, EventTypes and WebhookUrl."""
    fields: Record = {name: request.form[param] for param, name in WEBHOOK_FIELDS.items() if param in request.form}
    if "EventTypes" in request.form:
        fields["event_types"] = request.form.getlist("EventTypes")
    for param, name in (
        ("FriendlyName", "friendly_name"),
        ("EventTypes", "event_types"),
        ("WebhookUrl", "webhook_url"),
    ):
        if creating and not fields.get(name):
            raise missing(param)
    if fields.get("status", "enabled") not in ("enabled", "disabled"):
        raise bad_request("Status must be enabled or disabled")
    if fields.get("version", "v2") not in ("v1", "v2"):
        raise bad_request("Version must be v1 or v2")
    if not set(fields.get("event_types", [])) <= WEBHOOK_EVENT_TYPES:
        raise bad_request(f"EventTypes must be among {', '.join(sorted(WEBHOOK_EVENT_TYPES))}")
    return fields


@api.get("/Services/<service_sid>/Webhooks")
def list_webhooks(service_sid: str) -> Response:
    """List a service's webhooks."""
    _service(service_sid)
    return _page("webhooks", current_state().list_webhooks(service_sid), {})


@api.post("/Services/<service_sid>/Webhooks")
def create_webhook(service_sid: str) -> tuple[Response, int]:
    """Register a webhook (Status defaults to enabled, Version to v2)."""
    _service(service_sid)
    fields: Record = {"status": "enabled", "version": "v2"} | _webhook_fields(creating=True)
    return _json(current_state().add_webhook(service_sid, **fields), 201)


@api.get("/Services/<service_sid>/Webhooks/<webhook_sid>")
def fetch_webhook(service_sid: str, webhook_sid: str) -> tuple[Response, int]:
    """Fetch one webhook."""
    _service(service_sid)
    return _json(_found(current_state().find_webhook(service_sid, webhook_sid)))


@api.post("/Services/<service_sid>/Webhooks/<webhook_sid>")
def update_webhook(service_sid: str, webhook_sid: str) -> tuple[Response, int]:
    """Change the given fields of a webhook."""
    _service(service_sid)
    return _json(_found(current_state().update_webhook(service_sid, webhook_sid, _webhook_fields(creating=False))))


@api.delete("/Services/<service_sid>/Webhooks/<webhook_sid>")
def delete_webhook(service_sid: str, webhook_sid: str) -> tuple[str, int]:
    """Remove a webhook."""
    _service(service_sid)
    if not current_state().delete_webhook(service_sid, webhook_sid):
        raise not_found()
    return "", 204
