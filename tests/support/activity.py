"""POST /app/activity through IngestService with a fake queue: a report signed with the shared secret."""

from __future__ import annotations

import json

from factor_cleanup.intake.app_activity import activity_signature
from factor_cleanup.intake.http import HttpRequest
from factor_cleanup.local.events import api_gateway_event
from tests.conftest import BASE_URL, FACTOR_SID
from tests.fake_app import fake_app, settings
from tests.fakes import FakeQueue, FixedClock

SECRET = "shared-secret-for-tests-0123456789"
CLOCK = FixedClock()
NOW_UNIX = str(int(CLOCK.now().timestamp()))


def make_service(queue=None, enabled=True, work_queue=None):
    """The ingest function's service; activity reports go to `queue`, and so does other work unless `work_queue`."""
    queue = queue if queue is not None else FakeQueue()
    config = settings(
        public_base_url=BASE_URL, app_activity_secret=SECRET if enabled else "", app_activity_max_skew_seconds=300
    )
    app = fake_app(config, clock=CLOCK, activity_queue=queue, work_queue=work_queue or queue)
    return app.ingest, queue


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
