"""App activity: POST /app/activity with an HMAC of the body, and the JSON message put straight on the queue."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from factor_cleanup.domain.messages import AppActivity, parse_message
from factor_cleanup.intake.app_activity import activity_signature
from tests.conftest import FACTOR_SID, IDENTITY, SERVICE_SID
from tests.fakes import FakeQueue
from tests.support.activity import NOW_UNIX, SECRET, make_service, post, report


def test_a_signed_report_is_queued_and_answered_202():
    service, queue = make_service()
    status, body = post(service, report(activity_id="app-open-42"))
    assert status == 202 and body == {"status": "queued", "event_id": "activity:app-open-42"}
    [message] = queue.sent
    assert (
        isinstance(message, AppActivity) and message.factor_sid == FACTOR_SID and message.source == "app_activity_api"
    )


def test_a_report_by_identity_is_accepted():
    service, queue = make_service()
    status, _ = post(
        service,
        json.dumps({"service_sid": SERVICE_SID, "identity": IDENTITY, "occurred_at": "2026-11-25T11:58:00+00:00"}),
    )
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
    service, _queue = make_service(enabled=False)
    status, body = post(service, report())
    assert status == 404 and body["error"] == "app_activity_disabled" and "APP_ACTIVITY_SECRET" in body["message"]


def test_queue_down_is_a_503():
    service, _ = make_service(FakeQueue(down=True))
    assert post(service, report())[0] == 503


# --- the JSON message a backend may put straight on the queue (IAM-authorized) ------------------
def test_the_documented_queue_message_is_read():
    message = parse_message(
        json.dumps(
            {
                "kind": "app_activity",
                "factor_sid": FACTOR_SID,
                "occurred_at": "2026-11-25T11:58:00Z",
                "activity_id": "open-1",
            }
        )
    )
    assert isinstance(message, AppActivity) and message.event_id == "activity:open-1" and message.source == "queue"


@pytest.mark.parametrize(
    "fields",
    [
        {"occurred_at": "2026-11-25T11:58:00Z"},
        {"factor_sid": FACTOR_SID},
        {"factor_sid": FACTOR_SID, "occurred_at": "2026-11-25T11:58:00Z", "extra": 1},
    ],
)
def test_incomplete_queue_messages_fail_validation(fields):
    with pytest.raises(ValidationError):
        parse_message(json.dumps({"kind": "app_activity", **fields}))
