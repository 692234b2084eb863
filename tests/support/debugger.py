"""POST /twilio/debugger through IngestService with a fake queue, signed with twilio's RequestValidator."""

from __future__ import annotations

from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from factor_cleanup.intake.http import HttpRequest
from factor_cleanup.local.events import api_gateway_event
from tests.conftest import AUTH_TOKEN, BASE_URL
from tests.fake_app import fake_app, settings
from tests.fakes import FakeQueue

URL = BASE_URL + "/twilio/debugger"


def make_service(queue=None, base_url=BASE_URL, tokens=(AUTH_TOKEN,), fragment=None):
    """The ingest function's service; a second token is the previous one of a rotation still in its grace."""
    queue = queue if queue is not None else FakeQueue()
    primary, *previous = tokens
    rotation = {}
    if previous:  # at most one previous token: the rotation's
        rotation = {
            "twilio_auth_token_previous": previous[0],
            "twilio_auth_token_previous_until": "2999-01-01T00:00:00Z",
        }
    config = settings(
        twilio_auth_token=primary, public_base_url=base_url or "", webhook_url_fragment=fragment or "", **rotation
    )
    return fake_app(config, work_queue=queue).ingest, queue


def post(service, params, *, url=URL, token=AUTH_TOKEN, signature=None, headers=None, **event_kwargs):
    sig = signature if signature is not None else RequestValidator(token).compute_signature(url, params)
    all_headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig, **(headers or {})}
    if signature == "":
        all_headers.pop("X-Twilio-Signature")
    event = api_gateway_event("POST", "/twilio/debugger", body=urlencode(params), headers=all_headers, **event_kwargs)
    response = service.handle(HttpRequest.from_api_gateway(event))
    return response.status, response.body
