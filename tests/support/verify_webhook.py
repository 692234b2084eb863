"""POST /twilio/verify through IngestService with a fake queue: form and JSON bodies, signed as Twilio signs them."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from factor_cleanup.intake.http import HttpRequest
from factor_cleanup.local.events import api_gateway_event
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, BASE_URL, FACTOR_SID, IDENTITY, SERVICE_SID
from tests.fake_app import fake_app, settings
from tests.fakes import FakeQueue, FixedClock

URL = BASE_URL + "/twilio/verify"


def make_service(queue=None):
    queue = queue if queue is not None else FakeQueue()
    return fake_app(settings(public_base_url=BASE_URL), work_queue=queue, clock=FixedClock()).ingest, queue


def webhook(event_type="challenge.approved", uuid="3f9a3a8e-0c4f-4a7e-9a57-2b1c0f0e1d01", **extra) -> dict:
    body = {
        "uuid": uuid,
        "type": event_type,
        "account_sid": ACCOUNT_SID,
        "service_sid": SERVICE_SID,
        "entity_identity": IDENTITY,
        "factor_sid": FACTOR_SID,
        "factor_type": "push",
    }
    return {**body, **extra}


def post_form(service, params, *, token=AUTH_TOKEN, signature=None):
    sig = signature if signature is not None else RequestValidator(token).compute_signature(URL, params)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig}
    event = api_gateway_event("POST", "/twilio/verify", body=urlencode(params), headers=headers)
    response = service.handle(HttpRequest.from_api_gateway(event))
    return response.status, response.body


def post_json(service, body: str, *, token=AUTH_TOKEN, body_for_hash: str | None = None, with_hash=True):
    digest = hashlib.sha256((body if body_for_hash is None else body_for_hash).encode()).hexdigest()
    query = f"bodySHA256={digest}" if with_hash else ""
    signed_url = f"{URL}?{query}" if query else URL
    headers = {
        "Content-Type": "application/json",
        "X-Twilio-Signature": RequestValidator(token).compute_signature(signed_url, {}),
    }
    event = api_gateway_event("POST", "/twilio/verify", body=body, headers=headers, query=query)
    response = service.handle(HttpRequest.from_api_gateway(event))
    return response.status, response.body
