"""Token rotation: the previous auth token signs valid webhooks only until the configured grace ends."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from factor_cleanup.runtime.credentials import signing_tokens
from factor_cleanup.runtime.settings import Settings
from tests.conftest import AUTH_TOKEN


def settings(**values) -> Settings:
    return Settings(twilio_auth_token="new-primary", **values)


def test_previous_token_counts_during_the_grace_period():
    config = settings(twilio_auth_token_previous=AUTH_TOKEN, twilio_auth_token_previous_until="2999-01-01T00:00:00Z")
    assert signing_tokens(config) == ["new-primary", AUTH_TOKEN]


def test_previous_token_stops_counting_when_the_grace_ends():
    config = settings(twilio_auth_token_previous=AUTH_TOKEN, twilio_auth_token_previous_until="2020-01-01T00:00:00Z")
    assert signing_tokens(config) == ["new-primary"]


def test_previous_token_without_an_end_is_a_configuration_error():
    with pytest.raises(ValidationError, match="TWILIO_AUTH_TOKEN_PREVIOUS_UNTIL"):
        settings(twilio_auth_token_previous=AUTH_TOKEN)


def test_the_end_needs_a_time_zone():
    with pytest.raises(ValidationError, match="time zone"):
        settings(twilio_auth_token_previous=AUTH_TOKEN, twilio_auth_token_previous_until="2999-01-01T00:00:00")


def test_ingest_accepts_the_previous_token_only_in_grace():
    from factor_cleanup.intake.http import HttpRequest
    from factor_cleanup.local.events import api_gateway_event
    from factor_cleanup.local.signing import signed_form
    from tests.conftest import ACCOUNT_SID, BASE_URL, debugger_params
    from tests.fake_app import fake_app

    body, headers = signed_form(BASE_URL + "/twilio/debugger", debugger_params(), AUTH_TOKEN)
    request = HttpRequest.from_api_gateway(api_gateway_event("POST", "/twilio/debugger", body=body, headers=headers))
    statuses = {}
    for until in ("2999-01-01T00:00:00Z", "2020-01-01T00:00:00Z"):
        config = Settings(
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token="new-primary",
            public_base_url=BASE_URL,
            twilio_auth_token_previous=AUTH_TOKEN,
            twilio_auth_token_previous_until=until,
        )
        statuses[until[:4]] = fake_app(config).ingest.handle(request).status
    assert statuses == {"2999": 200, "2020": 403}
