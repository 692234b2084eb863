"""The webhook intake, through IngestService with a fake queue: signatures, validation, acknowledgement."""

from __future__ import annotations

import json

import pytest
from twilio.request_validator import RequestValidator

from factor_cleanup.intake.http import HttpRequest
from factor_cleanup.local.events import api_gateway_event
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, BASE_URL, FACTOR_SID, IDENTITY, SERVICE_SID, debugger_params
from tests.fakes import FakeQueue
from tests.support.debugger import URL, make_service, post


def test_signed_event_is_queued_and_then_acknowledged():
    service, queue = make_service()
    status, body = post(service, debugger_params())
    assert status == 200 and body == {"status": "queued", "event_sid": "NO" + "d" * 32}
    [message] = queue.sent
    assert (message.service_sid, message.identity, message.factor_sid) == (SERVICE_SID, IDENTITY, FACTOR_SID)
    assert message.error_code == "52103" and message.event_id == "NO" + "d" * 32


def test_forged_signature_is_refused_and_nothing_is_queued():
    service, queue = make_service()
    status, body = post(service, debugger_params(), token="not-our-token")
    assert status == 403 and body["error"] == "invalid_signature" and not queue.sent


def test_missing_signature_is_refused():
    service, queue = make_service()
    status, body = post(service, debugger_params(), signature="")
    assert status == 403 and "missing" in body["message"] and not queue.sent


def test_tampered_parameter_breaks_the_signature():
    service, queue = make_service()
    params = debugger_params()
    sig = RequestValidator(AUTH_TOKEN).compute_signature(URL, params)
    status, _ = post(service, {**params, "Level": "Warning"}, signature=sig)
    assert status == 403 and not queue.sent


def test_new_parameters_twilio_adds_are_signed_and_accepted():
    service, queue = make_service()
    status, _ = post(service, debugger_params(NewField="added-by-twilio"))
    assert status == 200 and len(queue.sent) == 1


def test_stage_path_is_part_of_the_signed_url():
    staged = "https://abc123.execute-api.us-east-1.amazonaws.com/Prod"
    service, queue = make_service(base_url=staged)
    status, _ = post(service, debugger_params(), url=staged + "/twilio/debugger")
    assert status == 200
    status, _ = post(
        service, debugger_params(), url="https://abc123.execute-api.us-east-1.amazonaws.com/twilio/debugger"
    )
    assert status == 403 and len(queue.sent) == 1


def test_without_public_base_url_the_api_gateway_domain_and_stage_are_used():
    service, queue = make_service(base_url=None)
    url = "https://abc123.execute-api.us-east-1.amazonaws.com/Prod/twilio/debugger"
    status, _ = post(
        service, debugger_params(), url=url, domain="abc123.execute-api.us-east-1.amazonaws.com", stage="Prod"
    )
    assert status == 200 and len(queue.sent) == 1


@pytest.mark.parametrize("signed_url", [BASE_URL + ":443/twilio/debugger", BASE_URL + "/twilio/debugger"])
def test_port_variants_are_accepted(signed_url):
    service, _queue = make_service()
    status, _ = post(service, debugger_params(), url=signed_url)
    assert status == 200


def test_query_string_is_signed_too():
    service, _queue = make_service()
    status, _ = post(service, debugger_params(), url=URL + "?env=prod", query="env=prod")
    assert status == 200
    status, _ = post(service, debugger_params(), url=URL, query="env=prod")
    assert status == 403


def test_fragment_in_the_configured_url_is_accepted_either_way():
    service, _ = make_service(fragment="rc=5&rp=all")
    assert post(service, debugger_params(), url=URL + "#rc=5&rp=all")[0] == 200
    assert post(service, debugger_params(), url=URL)[0] == 200


def test_previous_token_still_validates_during_rotation():
    service, _ = make_service(tokens=("new-primary-token", AUTH_TOKEN))
    assert post(service, debugger_params())[0] == 200


def test_base64_body_from_api_gateway_is_decoded():
    service, queue = make_service()
    status, _ = post(service, debugger_params(), base64_body=True)
    assert status == 200 and len(queue.sent) == 1


def test_invalid_base64_body_is_a_400():
    event = api_gateway_event(
        "POST", "/twilio/debugger", body="x", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    event.update(body="%%%not-base64%%%", isBase64Encoded=True)
    from handlers.ingest import handler

    response = handler(event, None)
    assert response["statusCode"] == 400 and json.loads(response["body"])["error"] == "bad_request"


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"Payload": "{not json"}, "Payload"),
        ({"Sid": "not-a-sid"}, "Sid"),
        ({"Payload": json.dumps(["a", "list"])}, "Payload"),
    ],
)
def test_malformed_event_is_a_400_naming_the_problem(change, problem):
    service, queue = make_service()
    status, body = post(service, {**debugger_params(), **change})
    assert status == 400 and body["error"] == "malformed_event" and problem in body["message"]
    assert not queue.sent


def test_missing_payload_is_a_400():
    service, queue = make_service()
    params = debugger_params()
    del params["Payload"]
    status, body = post(service, params)
    assert status == 400 and "Payload" in body["message"] and not queue.sent


def test_other_account_is_refused():
    service, queue = make_service()
    status, body = post(service, debugger_params(account_sid="AC" + "9" * 32))
    assert status == 403 and body["error"] == "wrong_account" and not queue.sent


def test_subaccount_event_is_accepted_through_parent_account_sid():
    service, queue = make_service()
    status, _ = post(service, debugger_params(account_sid="AC" + "9" * 32, ParentAccountSid=ACCOUNT_SID))
    assert status == 200 and len(queue.sent) == 1


def test_older_timestamp_spelling_is_read():
    service, queue = make_service()
    params = debugger_params()
    params["TimeStamp"] = params.pop("Timestamp")
    assert post(service, params)[0] == 200
    assert queue.sent[0].occurred_at == "2026-11-25T11:59:00Z"


def test_event_that_is_not_a_push_failure_is_acknowledged_and_not_queued():
    service, queue = make_service()
    params = debugger_params()
    params["Payload"] = json.dumps(
        {"resource_sid": "SM" + "0" * 32, "error_code": "30008", "more_info": {"Msg": "Unknown"}}
    )
    status, body = post(service, params)
    assert status == 200 and body["status"] == "ignored" and not queue.sent


def test_ambiguous_correlation_ids_are_still_queued_to_be_recorded_as_skipped():
    service, queue = make_service()
    status, _ = post(service, debugger_params(correlation_ids=f"[{SERVICE_SID}, {IDENTITY}]"))
    assert status == 200
    assert "no factor SID" in queue.sent[0].correlation_problem


def test_payload_service_sid_disagreeing_with_correlation_ids_is_ambiguous():
    service, queue = make_service()
    params = debugger_params()
    payload = json.loads(params["Payload"])
    payload["service_sid"] = "VA" + "0" * 32
    params["Payload"] = json.dumps(payload)
    assert post(service, params)[0] == 200
    assert "differs" in queue.sent[0].correlation_problem


def test_queue_down_is_a_503_not_an_acknowledgement():
    service, _ = make_service(queue=FakeQueue(down=True))
    status, body = post(service, debugger_params())
    assert status == 503 and body["error"] == "queue_unavailable"


def test_json_body_is_refused_with_415():
    service, _queue = make_service()
    event = api_gateway_event(
        "POST", "/twilio/debugger", body="{}", headers={"Content-Type": "application/json", "X-Twilio-Signature": "x"}
    )
    response = service.handle(HttpRequest.from_api_gateway(event))
    assert response.status == 415 and "x-www-form-urlencoded" in response.body["message"]


def test_unknown_route_is_a_json_404():
    service, _ = make_service()
    response = service.handle(HttpRequest.from_api_gateway(api_gateway_event("POST", "/nope")))
    assert response.status == 404 and response.body["error"] == "no_such_route"


def test_huge_body_is_a_413():
    service, queue = make_service()
    status, _body = post(service, debugger_params(Padding="x" * 300_000))
    assert status == 413 and not queue.sent
