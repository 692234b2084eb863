"""The ingest handler as AWS calls it, refusing with a clear 503 when its configuration is missing or invalid."""

from __future__ import annotations

from tests.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.support.handlers import call_ingest, signed_event


def test_missing_configuration_is_a_clear_503(restore_environ):
    restore_environ.pop("TWILIO_ACCOUNT_SID", None)
    restore_environ.pop("TWILIO_AUTH_TOKEN", None)
    status, body = call_ingest(signed_event())
    assert status == 503 and body["error"] == "configuration_error"


def test_an_invalid_setting_is_a_clear_503_naming_it(restore_environ):
    from structlog.testing import capture_logs

    restore_environ.update(
        TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN, VERIFY_SERVICE_SIDS="not-a-sid"
    )
    with capture_logs() as logs:
        status, body = call_ingest(signed_event())
    assert status == 503 and body["error"] == "configuration_error"
    assert any("VERIFY_SERVICE_SIDS" in str(entry.get("error", "")) for entry in logs)
