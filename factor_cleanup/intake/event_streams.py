"""Twilio Event Streams: error-log CloudEvents, turned into the same push failures as Debugger webhooks.

Event Streams delivers at least once, in every region, in batches (a JSON array of CloudEvents).
Each error log's `data.sid` is the Debugger event's `Sid`, so using it as the event id means the
same failure seen through both sources is decided once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from factor_cleanup.domain.messages import PushFailure
from factor_cleanup.intake.debugger import (
    MalformedEvent,
    describe_validation_error,
    parse_debugger_form,
    to_push_failure,
)

ERROR_LOGGED = "com.twilio.error-logs.error.logged"
MAX_EVENTS = 500


class CloudEvent(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    type: str
    specversion: str = "1.0"
    source: str | None = None
    time: str | None = None
    dataschema: str | None = None
    data: dict[str, Any] | None = None


@dataclass
class Batch:
    """The outcome of reading one delivery: what to queue, what to ignore, what to refuse and why."""

    failures: list[PushFailure] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    rejected: list[dict[str, str]] = field(default_factory=list)


def parse_batch(body: str) -> Batch:
    """Read a webhook-sink body; raise MalformedEvent only when the body as a whole is unreadable."""
    try:
        events = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise MalformedEvent(f"body is not JSON ({exc})") from None
    if isinstance(events, dict):
        events = [events]  # a sink configured without batching sends one event
    if not isinstance(events, list):
        raise MalformedEvent("body must be a JSON array of CloudEvents")
    if len(events) > MAX_EVENTS:
        raise MalformedEvent(f"batch of {len(events)} events exceeds {MAX_EVENTS}")
    batch = Batch()
    for position, raw in enumerate(events):
        _read_one(batch, position, raw)
    return batch


def _read_one(batch: Batch, position: int, raw: Any) -> None:
    try:
        event = CloudEvent.model_validate(raw)
    except ValidationError as exc:
        given = raw.get("id") if isinstance(raw, dict) else None
        event_id = given if isinstance(given, str) else f"#{position}"
        batch.rejected.append({"id": event_id, "error": describe_validation_error(exc)})
        return
    if event.type != ERROR_LOGGED:
        batch.ignored.append(event.id)
        return
    try:
        failure = error_log_to_push_failure(event)
    except MalformedEvent as exc:
        batch.rejected.append({"id": event.id, "error": str(exc)})
        return
    if failure is None:
        batch.ignored.append(event.id)
    else:
        batch.failures.append(failure)


def error_log_to_push_failure(event: CloudEvent) -> PushFailure | None:
    """Map an error log onto the Debugger shape and reuse its reading; None if not a Verify Push failure."""
    data = event.data or {}
    payload = _payload(data.get("payload"))
    if "correlationIds" in payload and "more_info" not in payload:
        payload = {"more_info": payload}  # the product details themselves
    payload.setdefault("error_code", data.get("error_code"))
    if data.get("service_sid") and not payload.get("service_sid"):
        payload["service_sid"] = data["service_sid"]
    form = {
        "Sid": str(data.get("sid") or ""),
        "AccountSid": str(data.get("account_sid") or ""),
        "Timestamp": str(data.get("date_created") or event.time or ""),
        "Level": str(data.get("level") or ""),
        "Payload": json.dumps(payload),
    }
    failure = to_push_failure(parse_debugger_form(form))
    return failure.model_copy(update={"source": "event_streams"}) if failure else None


def _payload(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return dict(raw)
    if not raw:
        return {}
    try:
        decoded = json.loads(str(raw))
    except (ValueError, RecursionError):
        raise MalformedEvent("data.payload is not JSON") from None
    if not isinstance(decoded, dict):
        raise MalformedEvent("data.payload is not a JSON object")
    return decoded


def kinesis_record_events(data: bytes) -> list[Any]:
    """The CloudEvents in one Kinesis record's data (one event, or an array of them)."""
    try:
        decoded = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise MalformedEvent("Kinesis record data is not JSON") from None
    return decoded if isinstance(decoded, list) else [decoded]
