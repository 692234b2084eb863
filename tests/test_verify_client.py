"""The Twilio REST adapter against the local Verify emulator: real HTTP, twilio-python's own parsing."""

from __future__ import annotations


import pytest

from factor_cleanup.local.verify_emulator import EmulatorState
from factor_cleanup.ports import VerifyNotFound, VerifyRejected, VerifyRetryable
from factor_cleanup.verify_client import TwilioVerifyApi
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, IDENTITY, SERVICE_SID, served_emulator


@pytest.fixture
def emulator():
    state = EmulatorState({(ACCOUNT_SID, AUTH_TOKEN)})
    state.add_service(SERVICE_SID, "test", ACCOUNT_SID)
    with served_emulator(state) as url:
        yield state, url


def api(base_url, token=AUTH_TOKEN, timeout=5.0):
    return TwilioVerifyApi(ACCOUNT_SID, ACCOUNT_SID, token, base_url=base_url, timeout=timeout)


def test_delete_removes_the_factor(emulator):
    state, url = emulator
    factor = state.add_factor(SERVICE_SID, IDENTITY)
    api(url).delete_factor(SERVICE_SID, IDENTITY, factor["sid"])
    assert not state.has_factor(factor["sid"]) and state.delete_calls(factor["sid"]) == 1


def test_missing_factor_is_not_found(emulator):
    _, url = emulator
    with pytest.raises(VerifyNotFound):
        api(url).delete_factor(SERVICE_SID, IDENTITY, "YF" + "0" * 32)


def test_bad_credentials_are_rejected_not_retried(emulator):
    state, url = emulator
    factor = state.add_factor(SERVICE_SID, IDENTITY)
    with pytest.raises(VerifyRejected, match="401"):
        api(url, token="wrong").delete_factor(SERVICE_SID, IDENTITY, factor["sid"])
    assert state.has_factor(factor["sid"])


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_and_server_errors_are_retryable_with_retry_after(emulator, status):
    state, url = emulator
    factor = state.add_factor(SERVICE_SID, IDENTITY)
    state.set_faults(error_rate=1.0, error_statuses=(status,), retry_after=7)
    with pytest.raises(VerifyRetryable) as caught:
        api(url).delete_factor(SERVICE_SID, IDENTITY, factor["sid"])
    assert state.has_factor(factor["sid"])
    if status == 429:
        assert caught.value.retry_after == 7


def test_unreachable_api_is_retryable():
    with pytest.raises(VerifyRetryable, match="unreachable"):
        api("http://127.0.0.1:9", timeout=1).delete_factor(SERVICE_SID, IDENTITY, "YF" + "0" * 32)


def test_twilio_region_settings_do_not_rewrite_a_custom_base_url(emulator, monkeypatch):
    state, url = emulator
    monkeypatch.setenv("TWILIO_REGION", "ie1")
    monkeypatch.setenv("TWILIO_EDGE", "dublin")
    factor = state.add_factor(SERVICE_SID, IDENTITY)
    api(url).delete_factor(SERVICE_SID, IDENTITY, factor["sid"])
    assert not state.has_factor(factor["sid"])
