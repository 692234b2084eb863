from __future__ import annotations

import json

from factor_cleanup.__main__ import main
from factor_cleanup.cli.signature_doctor import diagnose
from factor_cleanup.intake.http import HttpRequest
from factor_cleanup.local.events import api_gateway_event
from factor_cleanup.local.signing import signed_form
from tests.conftest import AUTH_TOKEN, debugger_params

CONFIGURED = "https://abc.execute-api.us-east-1.amazonaws.com/twilio/debugger"


def captured(signed_url: str, token: str = AUTH_TOKEN, stage: str = "$default") -> HttpRequest:
    body, headers = signed_form(signed_url, debugger_params(), token)
    return HttpRequest.from_api_gateway(
        api_gateway_event("POST", "/twilio/debugger", body=body, headers=headers, stage=stage)
    )


def test_valid_request_is_reported_valid():
    verdict = diagnose(captured(CONFIGURED), CONFIGURED, {"TWILIO_AUTH_TOKEN": AUTH_TOKEN})
    assert verdict.valid and "Valid" in verdict.explain()


def test_stage_path_difference_is_named():
    staged = "https://abc.execute-api.us-east-1.amazonaws.com/Prod/twilio/debugger"
    verdict = diagnose(captured(staged, stage="Prod"), CONFIGURED, {"TWILIO_AUTH_TOKEN": AUTH_TOKEN})
    assert not verdict.valid and "stage /Prod" in verdict.explain() and "PUBLIC_BASE_URL" in verdict.explain()


def test_scheme_difference_is_named():
    verdict = diagnose(captured(CONFIGURED.replace("https", "http")), CONFIGURED, {"TWILIO_AUTH_TOKEN": AUTH_TOKEN})
    assert not verdict.valid and "scheme http" in verdict.explain()


def test_previous_token_is_named():
    tokens = {"TWILIO_AUTH_TOKEN": "new-token", "TWILIO_AUTH_TOKEN_PREVIOUS": AUTH_TOKEN}
    verdict = diagnose(captured(CONFIGURED), CONFIGURED, tokens)
    assert "TWILIO_AUTH_TOKEN_PREVIOUS" in verdict.explain()


def test_wrong_token_gives_the_likely_causes():
    verdict = diagnose(captured(CONFIGURED, token="other"), CONFIGURED, {"TWILIO_AUTH_TOKEN": AUTH_TOKEN})
    assert not verdict.valid and "subaccount" in verdict.explain()


def test_cli_reads_a_captured_event(tmp_path, monkeypatch, capsys):
    body, headers = signed_form(CONFIGURED, debugger_params(), AUTH_TOKEN)
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(api_gateway_event("POST", "/twilio/debugger", body=body, headers=headers)))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    assert main(["check-signature", "--event", str(event_file), "--url", CONFIGURED]) == 0
    assert "Valid" in capsys.readouterr().out
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "wrong")
    assert main(["check-signature", "--event", str(event_file), "--url", CONFIGURED]) == 1


def test_cli_without_token_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(api_gateway_event("POST", "/twilio/debugger")))
    assert main(["check-signature", "--event", str(event_file)]) == 2
    assert "TWILIO_AUTH_TOKEN" in capsys.readouterr().err
