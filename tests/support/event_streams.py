"""Event Streams error logs as Twilio sends them, and POST /twilio/events signed over the body's hash."""

from __future__ import annotations

import json

from factor_cleanup.intake.http import HttpRequest
from factor_cleanup.local.events import api_gateway_event
from factor_cleanup.local.signing import signed_json
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, BASE_URL, SERVICE_SID, debugger_params

NO_SID = "NO" + "d" * 32


def error_log(event_id="ce-1", sid=NO_SID, code="52103", payload=None, **data_changes):
    if payload is None:
        payload = json.loads(debugger_params()["Payload"])
    data = {
        "sid": sid,
        "account_sid": ACCOUNT_SID,
        "date_created": "2026-11-25T11:59:00Z",
        "level": "ERROR",
        "service_sid": SERVICE_SID,
        "product_name": "Verify",
        "error_code": code,
        "payload": json.dumps(payload),
    }
    data.update(data_changes)
    return {
        "specversion": "1.0",
        "type": "com.twilio.error-logs.error.logged",
        "id": event_id,
        "source": "/v1/errors",
        "time": "2026-11-25T11:59:01Z",
        "dataschema": "https://events-schemas.twilio.com/ErrorLogs.Error/2",
        "data": data,
    }


URL = BASE_URL + "/twilio/events"


def post(service, events, token=AUTH_TOKEN, body=None):
    body = body if body is not None else json.dumps(events)
    signed_url, headers = signed_json(URL, body, token)
    query = signed_url.split("?", 1)[1]
    event = api_gateway_event("POST", "/twilio/events", body=body, headers=headers, query=query)
    response = service.handle(HttpRequest.from_api_gateway(event))
    return response.status, response.body


def error_logs(count: int) -> list[dict]:
    return [error_log(f"ce-{i}", sid=f"NO{i:032x}") for i in range(count)]
