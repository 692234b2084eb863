"""POST /app/activity through IngestService with a fake queue: a report signed with the shared secret."""

from __future__ import annotations

import json

from factor_cleanup.intake.app_activity import ActivityAuthenticator, activity_signature
from factor_cleanup.intake.http import HttpRequest
from factor_cleanup.intake.ingest import IngestService
from factor_cleanup.intake.signature import SignatureChecker
from factor_cleanup.local.events import api_gateway_event
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, BASE_URL, FACTOR_SID
from tests.fakes import FakeQueue, FixedClock

SECRET = "shared-secret-for-tests-0123456789"
CLOCK = FixedClock()
NOW_UNIX = str(int(CLOCK.now().timestamp()))


def make_service(queue=None, enabled=True):
    queue = queue if queue is not None else FakeQueue()
    auth = ActivityAuthenticator(lambda: SECRET, CLOCK, max_skew_seconds=300) if enabled else None
    service = IngestService(
        queue, SignatureChecker(lambda: [AUTH_TOKEN]), ACCOUNT_SID, BASE_URL, auth, CLOCK, activity_queue=queue
    )
    return service, queue


def post(service, body: str, *, timestamp=NOW_UNIX, secret=SECRET, signature=None, content_type="application/json"):
    headers = {
        "Content-Type": content_type,
        "X-Push-Janitor-Timestamp": timestamp,
        "X-Push-Janitor-Signature": signature if signature is not None else activity_signature(secret, timestamp, body),
    }
    headers = {k: v for k, v in headers.items() if v}
    response = service.handle(
        HttpRequest.from_api_gateway(api_gateway_event("POST", "/app/activity", body=body, headers=headers))
    )
    return response.status, response.body


def report(**fields) -> str:
    return json.dumps({"factor_sid": FACTOR_SID, "occurred_at": "2026-11-25T11:58:00Z", **fields})
