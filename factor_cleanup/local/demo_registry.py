"""Sample events for the factor registry and the sweeper, written to events/ with the others by demo.sample_events().

Verify webhooks for each event type (form-encoded and JSON, signed with the demo auth token), a
signed app-activity request, an SQS batch holding every new message kind, and a Scheduler event.
"""

from __future__ import annotations

import json
from typing import Any

from factor_cleanup.domain.messages import AppActivity, InactiveCandidate, VerifyEvent
from factor_cleanup.intake.app_activity import SIGNATURE_HEADER, TIMESTAMP_HEADER, activity_signature
from factor_cleanup.intake.ingest import ACTIVITY_ROUTE, VERIFY_ROUTE
from factor_cleanup.local.events import api_gateway_event
from factor_cleanup.local.signing import signed_form, signed_json
from factor_cleanup.local.verify_emulator_state import (
    DEMO_ACCOUNT_SID,
    DEMO_IDENTITY,
    DEMO_IOS_STALE_FACTOR_SID,
    DEMO_LIVE_FACTOR_SID,
    DEMO_SERVICE_SID,
)

DEMO_APP_ACTIVITY_SECRET = "push-janitor-local-demo-activity-secret"
SAMPLE_TIME = "2026-11-25T12:00:00Z"
SAMPLE_UNIX = "1795608000"  # SAMPLE_TIME in unix seconds
from factor_cleanup.domain.messages import VERIFY_EVENT_TYPES  # noqa: E402 - one of each kind the intake takes


def verify_webhook_body(event_type: str, number: int) -> dict[str, str]:
    """What a Verify Service webhook (v2) carries for the demo's live factor."""
    body = {
        "uuid": f"5d1f8a3c-demo-4000-8000-{number:012d}",
        "type": event_type,
        "account_sid": DEMO_ACCOUNT_SID,
        "service_sid": DEMO_SERVICE_SID,
        "entity_identity": DEMO_IDENTITY,
        "factor_sid": DEMO_LIVE_FACTOR_SID,
        "factor_type": "push",
    }
    if event_type.startswith("challenge."):
        body.update(
            challenge_sid=f"YCdeadbeefdeadbeefdeadbeef{number:08d}",
            challenge_status=event_type.split(".")[1],
            challenge_date_responded=SAMPLE_TIME,
        )  # field names not documented by Twilio: read if present
    return body


def verify_webhook_events(base_url: str, auth_token: str, stable: Any) -> dict[str, Any]:
    """Form and JSON API Gateway events for each Verify event type."""
    url, samples = base_url.rstrip("/") + VERIFY_ROUTE, {}
    for number, event_type in enumerate(VERIFY_EVENT_TYPES, start=1):
        body = verify_webhook_body(event_type, number)
        name = event_type.replace(".", "-")
        form_body, headers = signed_form(url, body, auth_token)
        samples[f"verify-webhook-{name}-form.json"] = stable(
            api_gateway_event("POST", VERIFY_ROUTE, body=form_body, headers=headers)
        )
        raw = json.dumps(body)
        signed_url, headers = signed_json(url, raw, auth_token)
        query = signed_url.partition("?")[2]
        samples[f"verify-webhook-{name}-json.json"] = stable(
            api_gateway_event("POST", VERIFY_ROUTE, body=raw, headers=headers, query=query)
        )
    return samples


def app_activity_request(stable: Any, secret: str = DEMO_APP_ACTIVITY_SECRET) -> dict[str, Any]:
    """POST /app/activity for the demo's live factor. Its timestamp is fixed: re-sign it to send it for real."""
    body = json.dumps(
        {"factor_sid": DEMO_LIVE_FACTOR_SID, "occurred_at": SAMPLE_TIME, "activity_id": "demo-app-open-0001"}
    )
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: SAMPLE_UNIX,
        SIGNATURE_HEADER: activity_signature(secret, SAMPLE_UNIX, body),
    }
    return stable(api_gateway_event("POST", ACTIVITY_ROUTE, body=body, headers=headers))


def registry_messages() -> list[Any]:
    """The work queue's registry kinds: a Verify event and a sweeper candidate."""
    last_seen = "2026-08-17T12:00:00Z"
    return [
        VerifyEvent(
            event_id=verify_webhook_body("challenge.approved", 4)["uuid"],
            type="challenge.approved",
            account_sid=DEMO_ACCOUNT_SID,
            service_sid=DEMO_SERVICE_SID,
            identity=DEMO_IDENTITY,
            factor_sid=DEMO_LIVE_FACTOR_SID,
            factor_type="push",
            occurred_at=SAMPLE_TIME,
        ),
        InactiveCandidate(
            event_id=InactiveCandidate.event_id_for(DEMO_IOS_STALE_FACTOR_SID, last_seen, SAMPLE_TIME[:10]),
            factor_sid=DEMO_IOS_STALE_FACTOR_SID,
            service_sid=DEMO_SERVICE_SID,
            identity=DEMO_IDENTITY,
            last_seen=last_seen,
            platform="apn",
            swept_at=SAMPLE_TIME,
        ),
    ]


def activity_messages() -> list[Any]:
    """What a backend puts on the activity queue (ActivityFunction's input)."""
    return [AppActivity(factor_sid=DEMO_LIVE_FACTOR_SID, occurred_at=SAMPLE_TIME, activity_id="demo-app-open-0001")]


def sqs_record(message: Any, message_id: str, receipt_handle: str, queue: str = "WorkQueue") -> dict[str, Any]:
    """One SQS record as Lambda's event source mapping hands it over, stable enough to commit."""
    return {
        "messageId": message_id,
        "receiptHandle": receipt_handle,
        "body": message.model_dump_json(exclude_none=True),
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1795608000000",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1795608000001",
        },
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:us-east-1:000000000000:push-janitor-{queue}",
        "awsRegion": "us-east-1",
    }


def sqs_batch(messages: list[Any], queue: str = "WorkQueue") -> dict[str, Any]:
    return {
        "Records": [
            sqs_record(message, f"6a1d3c52-0000-4000-8000-{number:012d}", f"AQEBdemo{number:04d}", queue)
            for number, message in enumerate(messages, start=1)
        ]
    }


def scheduler_event() -> dict[str, str]:
    """What EventBridge Scheduler hands the sweeper: the schedule's Input with its placeholders filled in."""
    return {
        "source": "push-janitor.sweeper",
        "scheduled_time": SAMPLE_TIME,
        "execution_id": "d32c5kddcf5bb8c3",
        "attempt": "1",
    }


def registry_samples(base_url: str, auth_token: str, stable: Any) -> dict[str, Any]:
    """Every sample this module contributes to events/, by file name."""
    return {
        **verify_webhook_events(base_url, auth_token, stable),
        "app-activity-request.json": app_activity_request(stable),
        "worker-sqs-batch-registry.json": sqs_batch(registry_messages()),
        "activity-sqs-batch.json": sqs_batch(activity_messages(), "ActivityQueue"),
        "sweeper-schedule.json": scheduler_event(),
    }
