"""Sample events for Event Streams: the demo's uninstall as an error-log CloudEvent, by webhook and by Kinesis."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from factor_cleanup.intake.ingest import EVENTS_ROUTE
from factor_cleanup.local.events import api_gateway_event
from factor_cleanup.local.signing import signed_json


def demo_error_log(debugger_params: dict[str, str]) -> dict[str, Any]:
    """The Debugger sample's failure as Event Streams delivers it (same NO sid: decided once)."""
    payload = json.loads(debugger_params["Payload"])
    return {
        "specversion": "1.0",
        "type": "com.twilio.error-logs.error.logged",
        "source": f"/v1/Accounts/{debugger_params['AccountSid']}/Alerts/{debugger_params['Sid']}",
        "id": "EZdeadbeefdeadbeefdeadbeef00000001",
        "dataschema": "https://events-schemas.twilio.com/ErrorLogs.Error/2",
        "datacontenttype": "application/json",
        "time": debugger_params["Timestamp"],
        "data": {
            "sid": debugger_params["Sid"],
            "account_sid": debugger_params["AccountSid"],
            "date_created": debugger_params["Timestamp"],
            "level": "ERROR",
            "service_sid": payload.get("service_sid"),
            "product_name": "Verify",
            "error_code": payload["error_code"],
            "payload": json.dumps(payload),
        },
    }


def event_streams_samples(
    base_url: str, auth_token: str, debugger_params: dict[str, str], stable: Callable[[dict], dict]
) -> dict[str, Any]:
    cloud_event = demo_error_log(debugger_params)
    body = json.dumps([cloud_event])
    signed_url, headers = signed_json(f"{base_url}/twilio/events", body, auth_token)
    webhook = api_gateway_event("POST", EVENTS_ROUTE, body=body, headers=headers, query=signed_url.split("?", 1)[1])
    record = {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": cloud_event["data"]["sid"],
            "sequenceNumber": "49590338271490256608559692538361571095921575989136588898",
            "data": base64.b64encode(json.dumps(cloud_event).encode()).decode(),
            "approximateArrivalTimestamp": 1795608000.0,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": "shardId-000000000000:49590338271490256608559692538361571095921575989136588898",
        "eventName": "aws:kinesis:record",
        "awsRegion": "us-east-1",
        "invokeIdentityArn": "arn:aws:iam::000000000000:role/push-janitor-KinesisEventsFunctionRole",
        "eventSourceARN": "arn:aws:kinesis:us-east-1:000000000000:stream/push-janitor-ErrorLogStream",
    }
    return {"event-streams-batch.json": stable(webhook), "kinesis-error-logs.json": {"Records": [record]}}
