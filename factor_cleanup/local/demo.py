"""The demo: one signed Debugger webhook about the emulator's uninstalled demo factor, and the sample events.

`python -m factor_cleanup.local.demo` rewrites events/ from this module, so the samples, the emulator's
demo data and `make send-example` cannot drift apart (a test checks the committed files match).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from factor_cleanup.intake.debugger import parse_debugger_form, to_push_failure
from factor_cleanup.intake.ingest import DEBUGGER_ROUTE
from factor_cleanup.local.demo_registry import registry_samples, sqs_record
from factor_cleanup.local.events import api_gateway_event
from factor_cleanup.local.signing import signed_form
from factor_cleanup.local.verify_emulator_state import (
    DEMO_ACCOUNT_SID,
    DEMO_DEAD_FACTOR_SID,
    DEMO_IDENTITY,
    DEMO_IOS_STALE_FACTOR_SID,
    DEMO_SERVICE_SID,
)

DEMO_AUTH_TOKEN = "push-janitor-local-demo-token"
DEMO_PORT = 8080
DEMO_EVENT_SID = "NOdeadbeefdeadbeefdeadbeef00000001"
DEMO_CHALLENGE_SID = "YCdeadbeefdeadbeefdeadbeef00000001"
DEMO_CONFIG_ERROR_EVENT_SID = "NOdeadbeefdeadbeefdeadbeef00000002"
EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"


def demo_debugger_params(event_sid: str = DEMO_EVENT_SID, factor_sid: str = DEMO_DEAD_FACTOR_SID) -> dict[str, str]:
    """What Twilio posts when a push to an uninstalled Android app fails (FCM: UNREGISTERED)."""
    payload = {
        "resource_sid": DEMO_CHALLENGE_SID,
        "service_sid": DEMO_SERVICE_SID,
        "error_code": "52103",
        "more_info": {
            "bindingType": "fcm",
            # Twilio lists these in no fixed order; the sample deliberately does not start with the service.
            "correlationIds": f"[{factor_sid}, {DEMO_IDENTITY}, {DEMO_CHALLENGE_SID}, {DEMO_SERVICE_SID}]",
            "description": "GCM/FCM client uninstalled or turned off notifications",
            "module": "verify-push",
        },
        "webhook": {},
    }
    return {
        "Sid": event_sid,
        "AccountSid": DEMO_ACCOUNT_SID,
        "Timestamp": "2026-11-25T12:00:00Z",
        "Level": "Error",
        "PayloadType": "application/json",
        "Payload": json.dumps(payload),
    }


def demo_config_error_params() -> dict[str, str]:
    """What Twilio posts when APNs rejects a push because the credential's bundle id does not match the iOS app."""
    params = demo_debugger_params(DEMO_CONFIG_ERROR_EVENT_SID, DEMO_IOS_STALE_FACTOR_SID)
    payload = json.loads(params["Payload"])
    payload["error_code"] = "52143"
    payload["more_info"].update(bindingType="apn", description="The push notification was rejected by APNs")
    return {**params, "Payload": json.dumps(payload)}


def webhook_url(port: int = DEMO_PORT, base_url: str | None = None) -> str:
    return (base_url or f"http://127.0.0.1:{port}").rstrip("/") + DEBUGGER_ROUTE


def signed_debugger_event(url: str, auth_token: str, params: dict[str, str]) -> dict[str, Any]:
    """An API Gateway event carrying the signed webhook, stable enough to commit."""
    body, headers = signed_form(url, params, auth_token)
    event = api_gateway_event("POST", DEBUGGER_ROUTE, body=body, headers=headers)
    return _stable(event)


def _stable(event: dict[str, Any]) -> dict[str, Any]:
    context = event["requestContext"]
    context.update(requestId="sample-request-id", time="25/Nov/2026:12:00:00 +0000", timeEpoch=1795608000000)
    return event


def sample_events() -> dict[str, Any]:
    from factor_cleanup.local.demo_event_streams import event_streams_samples

    params = demo_debugger_params()
    failure = to_push_failure(parse_debugger_form(params))
    assert failure is not None
    record = sqs_record(failure, "059f36b4-87a3-44ab-83d2-661975830a7d", "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a")
    return {
        "debugger-webhook.json": signed_debugger_event(webhook_url(), DEMO_AUTH_TOKEN, params),
        "worker-sqs-batch.json": {"Records": [record]},
        "report-request.json": _stable(api_gateway_event("GET", "/reports/cleanup.json", query="since=7d")),
        # `python -m factor_cleanup send-example --event events/debugger-webhook-config-error.json`: "needs attention"
        "debugger-webhook-config-error.json": signed_debugger_event(
            webhook_url(), DEMO_AUTH_TOKEN, demo_config_error_params()
        ),
        "daily-report.json": {"day": "2026-11-24"},  # the schedule sends {}; a day rebuilds that day
        **registry_samples(
            f"http://127.0.0.1:{DEMO_PORT}", DEMO_AUTH_TOKEN, _stable
        ),  # Verify webhooks, activity, sweeper
        **event_streams_samples(f"http://127.0.0.1:{DEMO_PORT}", DEMO_AUTH_TOKEN, params, _stable),
    }


def sample_form_params(event: dict[str, Any]) -> dict[str, str]:
    """The form parameters inside a sample API Gateway event (for re-signing at another URL)."""
    from urllib.parse import parse_qsl

    return dict(parse_qsl(event["body"], keep_blank_values=True))


def write_samples(directory: Path = EVENTS_DIR) -> list[Path]:
    directory.mkdir(exist_ok=True)
    written = []
    for name, event in sample_events().items():
        path = directory / name
        path.write_text(json.dumps(event, indent=2) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_samples():
        print(f"wrote {path}")
