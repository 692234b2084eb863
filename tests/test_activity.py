"""App activity: POST /app/activity with an HMAC of the body, and the JSON message put straight on the queue."""

from __future__ import annotations

import json
import time

import pytest
from pydantic import ValidationError

from factor_cleanup.intake.app_activity import activity_signature
from factor_cleanup.intake.http import HttpRequest
from factor_cleanup.local.events import api_gateway_event
from factor_cleanup.domain.messages import AppActivity, parse_message
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, BASE_URL, FACTOR_SID, IDENTITY, SERVICE_SID
from tests.fake_app import fake_app, settings
from tests.fakes import FakeQueue, FixedClock

SECRET = "shared-secret-for-tests-0123456789"
CLOCK = FixedClock()
NOW_UNIX = str(int(CLOCK.now().timestamp()))


def make_service(queue=None, enabled=True, work_queue=None):
    """The ingest function's service; activity reports go to `queue`, and so does other work unless `work_queue`."""
    queue = queue if queue is not None else FakeQueue()
    config = settings(public_base_url=BASE_URL, app_activity_secret=SECRET if enabled else "",
                      app_activity_max_skew_seconds=300)
    app = fake_app(config, clock=CLOCK, activity_queue=queue, work_queue=work_queue or queue)
    return app.ingest, queue


def post(service, body: str, *, timestamp=NOW_UNIX, secret=SECRET, signature=None, content_type="application/json"):
    headers = {"Content-Type": content_type, "X-Push-Janitor-Timestamp": timestamp,
               "X-Push-Janitor-Signature": signature if signature is not None else activity_signature(secret, timestamp, body)}
    headers = {k: v for k, v in headers.items() if v}
    response = service.handle(HttpRequest.from_api_gateway(api_gateway_event("POST", "/app/activity", body=body, headers=headers)))
    return response.status, response.body


def report(**fields) -> str:
    return json.dumps({"factor_sid": FACTOR_SID, "occurred_at": "2026-11-25T11:58:00Z", **fields})


def test_a_signed_report_is_queued_and_answered_202():
    service, queue = make_service()
    status, body = post(service, report(activity_id="app-open-42"))
    assert status == 202 and body == {"status": "queued", "event_id": "activity:app-open-42"}
    [message] = queue.sent
    assert isinstance(message, AppActivity) and message.factor_sid == FACTOR_SID and message.source == "app_activity_api"


def test_a_report_by_identity_is_accepted():
    service, queue = make_service()
    status, _ = post(service, json.dumps({"service_sid": SERVICE_SID, "identity": IDENTITY, "occurred_at": "2026-11-25T11:58:00+00:00"}))
    assert status == 202 and queue.sent[0].identity == IDENTITY


def test_the_same_report_twice_has_the_same_event_id():
    service, queue = make_service()
    post(service, report())
    post(service, report())
    assert queue.sent[0].event_id == queue.sent[1].event_id and queue.sent[0].event_id.startswith("activity:")


@pytest.mark.parametrize(
    "kwargs, problem",
    [
        ({"secret": "someone-elses-secret"}, "does not match"),
        ({"signature": "sha256=" + "0" * 64}, "does not match"),
        ({"signature": ""}, "missing X-Push-Janitor-Signature"),
        ({"timestamp": ""}, "X-Push-Janitor-Timestamp"),
        ({"timestamp": "yesterday"}, "X-Push-Janitor-Timestamp"),
        ({"timestamp": str(int(NOW_UNIX) - 301)}, "301 s away"),
        ({"timestamp": str(int(NOW_UNIX) + 3600)}, "3600 s away"),
    ],
)
def test_unauthenticated_reports_are_a_401_saying_why(kwargs, problem):
    service, queue = make_service()
    status, body = post(service, report(), **kwargs)
    assert status == 401 and body["error"] == "invalid_signature" and problem in body["message"] and not queue.sent


def test_a_body_changed_after_signing_is_refused():
    service, queue = make_service()
    signature = activity_signature(SECRET, NOW_UNIX, report())
    status, _ = post(service, report(factor_sid="YF" + "9" * 32), signature=signature)
    assert status == 401 and not queue.sent


def test_the_timestamp_is_inside_the_mac():
    service, queue = make_service()
    old = str(int(NOW_UNIX) - 10)
    status, _ = post(service, report(), timestamp=NOW_UNIX, signature=activity_signature(SECRET, old, report()))
    assert status == 401 and not queue.sent


@pytest.mark.parametrize(
    "body, problem",
    [
        ("{not json", "not JSON"),
        ("[]", "JSON object"),
        (json.dumps({"occurred_at": "2026-11-25T11:58:00Z"}), "factor_sid, or service_sid and identity"),
        (json.dumps({"factor_sid": "YF-nope", "occurred_at": "2026-11-25T11:58:00Z"}), "factor_sid"),
        (json.dumps({"factor_sid": FACTOR_SID}), "occurred_at"),
        (json.dumps({"factor_sid": FACTOR_SID, "occurred_at": "2026-11-25 11:58"}), "time zone"),
        (json.dumps({"factor_sid": FACTOR_SID, "occurred_at": "2026-11-26T12:00:00Z"}), "future"),
        (json.dumps({"factorSid": FACTOR_SID, "occurred_at": "2026-11-25T11:58:00Z"}), "unknown field(s) factorSid"),
    ],
)
def test_bad_reports_are_a_400_naming_the_problem(body, problem):
    service, queue = make_service()
    status, answer = post(service, body)
    assert status == 400 and answer["error"] == "malformed_activity" and problem in answer["message"] and not queue.sent


def test_only_json_is_accepted():
    service, queue = make_service()
    status, _ = post(service, "factor_sid=YF", content_type="application/x-www-form-urlencoded")
    assert status == 415 and not queue.sent


def test_without_a_secret_the_route_is_off_and_says_so():
    service, queue = make_service(enabled=False)
    status, body = post(service, report())
    assert status == 404 and body["error"] == "app_activity_disabled" and "APP_ACTIVITY_SECRET" in body["message"]


def test_queue_down_is_a_503():
    service, _ = make_service(FakeQueue(down=True))
    assert post(service, report())[0] == 503


def test_the_handler_reads_the_secret_from_the_environment(restore_environ):
    from handlers.ingest import handler

    restore_environ.update(TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN, APP_ACTIVITY_SECRET=SECRET,
                           QUEUE_URL="", ACTIVITY_QUEUE_URL="unreachable", PUBLIC_BASE_URL=BASE_URL)  # fmt: skip
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Push-Janitor-Timestamp": timestamp,
               "X-Push-Janitor-Signature": activity_signature("wrong", timestamp, report())}  # fmt: skip
    response = handler(api_gateway_event("POST", "/app/activity", body=report(), headers=headers), None)
    assert response["statusCode"] == 401
    headers["X-Push-Janitor-Signature"] = activity_signature(SECRET, timestamp, report())
    response = handler(api_gateway_event("POST", "/app/activity", body=report(), headers=headers), None)
    assert response["statusCode"] == 503  # authenticated, and the activity queue is unreachable: not acknowledged


# --- the JSON message a backend may put straight on the queue (IAM-authorized) ------------------
def test_the_documented_queue_message_is_read():
    message = parse_message(json.dumps({"kind": "app_activity", "factor_sid": FACTOR_SID, "occurred_at": "2026-11-25T11:58:00Z",
                                        "activity_id": "open-1"}))  # fmt: skip
    assert isinstance(message, AppActivity) and message.event_id == "activity:open-1" and message.source == "queue"


@pytest.mark.parametrize("fields", [{"occurred_at": "2026-11-25T11:58:00Z"}, {"factor_sid": FACTOR_SID},
                                    {"factor_sid": FACTOR_SID, "occurred_at": "2026-11-25T11:58:00Z", "extra": 1}])  # fmt: skip
def test_incomplete_queue_messages_fail_validation(fields):
    with pytest.raises(ValidationError):
        parse_message(json.dumps({"kind": "app_activity", **fields}))
