"""POST /twilio/verify: every event type, form and JSON bodies signed with twilio's RequestValidator."""

from __future__ import annotations

import json

import pytest

from factor_cleanup.domain.messages import VerifyEvent
from factor_cleanup.intake.http import HttpRequest
from factor_cleanup.local.events import api_gateway_event
from tests.conftest import FACTOR_SID, IDENTITY, SERVICE_SID
from tests.fakes import FakeQueue
from tests.support.verify_webhook import make_service, post_form, post_json, webhook

EVENT_TYPES = ["factor.created", "factor.verified", "factor.deleted", "challenge.approved", "challenge.denied"]


@pytest.mark.parametrize("event_type", EVENT_TYPES)
@pytest.mark.parametrize("encoding", ["form", "json"])
def test_every_event_type_is_queued_and_answered_exactly_200(event_type, encoding):
    service, queue = make_service()
    body = webhook(event_type)
    status, answer = post_form(service, body) if encoding == "form" else post_json(service, json.dumps(body))
    assert status == 200 and answer == {"status": "queued", "uuid": body["uuid"], "type": event_type}
    [message] = queue.sent
    assert isinstance(message, VerifyEvent) and message.event_id == body["uuid"] and message.type == event_type
    assert (message.service_sid, message.identity, message.factor_sid) == (SERVICE_SID, IDENTITY, FACTOR_SID)
    assert message.occurred_at == "2026-11-25T12:00:00Z"  # no date in the payload: the time of receipt


def test_unknown_fields_are_accepted_and_a_challenge_date_is_used():
    service, queue = make_service()
    body = webhook(
        challenge_sid="YC" + "c" * 32,
        challenge_status="approved",
        challenge_date_responded="2026-11-25T11:58:30Z",
        something_new={"nested": True},
    )
    status, _ = post_json(service, json.dumps(body))
    assert status == 200 and queue.sent[0].occurred_at == "2026-11-25T11:58:30Z"
    assert queue.sent[0].challenge_sid == "YC" + "c" * 32


def test_a_date_in_the_future_is_capped_at_the_time_of_receipt():
    service, queue = make_service()
    post_form(service, webhook(date_updated="2027-01-01T00:00:00Z"))
    assert queue.sent[0].occurred_at == "2026-11-25T12:00:00Z"


@pytest.mark.parametrize("encoding", ["form", "json"])
def test_unknown_event_types_are_acknowledged_and_not_queued(encoding):
    service, queue = make_service()
    body = webhook("challenge.expired")
    status, answer = post_form(service, body) if encoding == "form" else post_json(service, json.dumps(body))
    assert status == 200 and answer["status"] == "ignored" and not queue.sent


def test_a_duplicate_delivery_is_answered_200_again_and_carries_the_same_event_id():
    service, queue = make_service()
    assert post_form(service, webhook())[0] == 200 and post_json(service, json.dumps(webhook()))[0] == 200
    assert [m.event_id for m in queue.sent] == [webhook()["uuid"]] * 2  # the worker's idempotency decides once


def test_forged_form_signature_is_refused():
    service, queue = make_service()
    status, answer = post_form(service, webhook(), token="not-our-token")
    assert status == 403 and answer["error"] == "invalid_signature" and not queue.sent


def test_json_body_changed_after_signing_is_refused():
    service, queue = make_service()
    signed = json.dumps(webhook())
    status, _ = post_json(service, json.dumps(webhook(factor_sid="YF" + "9" * 32)), body_for_hash=signed)
    assert status == 403 and not queue.sent


def test_json_without_body_sha256_is_refused_with_the_reason():
    service, queue = make_service()
    status, answer = post_json(service, json.dumps(webhook()), with_hash=False)
    assert status == 403 and "bodySHA256" in answer["message"] and not queue.sent


def test_missing_signature_is_refused():
    service, _queue = make_service()
    status, answer = post_form(service, webhook(), signature="")
    assert status == 403 and "missing" in answer["message"]


def test_another_accounts_event_is_refused():
    service, queue = make_service()
    status, answer = post_form(service, webhook(account_sid="AC" + "9" * 32))
    assert status == 403 and answer["error"] == "wrong_account" and not queue.sent


@pytest.mark.parametrize(
    "change, problem",
    [({"factor_sid": "not-a-factor"}, "factor_sid"), ({"uuid": ""}, "uuid"), ({"service_sid": None}, "service_sid")],
)
def test_malformed_known_events_are_a_400(change, problem):
    service, queue = make_service()
    body = {k: v for k, v in {**webhook(), **change}.items() if v is not None}
    status, answer = post_json(service, json.dumps(body))
    assert status == 400 and problem in answer["message"] and not queue.sent


def test_json_that_is_not_an_object_is_a_400():
    service, _ = make_service()
    assert post_json(service, json.dumps([webhook()]))[0] == 400


def test_other_content_types_are_a_415():
    service, queue = make_service()
    event = api_gateway_event("POST", "/twilio/verify", body="x", headers={"Content-Type": "text/plain"})
    assert service.handle(HttpRequest.from_api_gateway(event)).status == 415 and not queue.sent


def test_queue_down_is_a_503_so_twilio_retries():
    service, _ = make_service(FakeQueue(down=True))
    assert post_form(service, webhook())[0] == 503
