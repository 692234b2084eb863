"""The Twilio REST adapter against the local Verify emulator: real HTTP, twilio-python's own parsing."""

from __future__ import annotations

import contextlib
import socket
import threading

import pytest

from factor_cleanup.adapters.twilio.verify_api import TwilioVerifyApi
from factor_cleanup.domain.ports import VerifyNotFound, VerifyRejected, VerifyRetryable
from factor_cleanup.local.verify_emulator import EmulatorState
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


def test_every_call_is_logged_with_its_status_for_the_verify_metrics(emulator):
    """`verify_call` lines become VerifyLatency and VerifyErrors by operation (factor_cleanup/runtime/metrics.py)."""
    from structlog.testing import capture_logs

    state, url = emulator
    factor = state.add_factor(SERVICE_SID, IDENTITY)
    client, missing = api(url), "YF" + "0" * 32
    with capture_logs() as entries:
        client.fetch_factor(SERVICE_SID, IDENTITY, factor["sid"])
        client.recent_challenges(SERVICE_SID, IDENTITY, factor["sid"], limit=3)
        client.delete_factor(SERVICE_SID, IDENTITY, factor["sid"])
        for call in (client.fetch_factor, client.delete_factor):
            with pytest.raises(VerifyNotFound):
                call(SERVICE_SID, IDENTITY, missing)
    calls = [(e["operation"], e["status"], e["factor_sid"]) for e in entries if e["event"] == "verify_call"]
    assert calls == [
        ("fetch_factor", 200, factor["sid"]),
        ("list_challenges", 200, factor["sid"]),
        ("delete_factor", 204, factor["sid"]),
        ("fetch_factor", 404, missing),
        ("delete_factor", 404, missing),
    ]
    assert all(isinstance(e["duration_ms"], float) for e in entries if e["event"] == "verify_call")


def test_an_answer_cut_off_mid_body_is_retryable_and_maybe_done():
    """Verify may have deleted the factor before the connection broke: "maybe deleted", never a plain error."""
    with _cut_off_server() as url, pytest.raises(VerifyRetryable, match="unreadable") as caught:
        api(url).delete_factor(SERVICE_SID, IDENTITY, "YF" + "0" * 32)
    assert caught.value.maybe_done


@contextlib.contextmanager
def _cut_off_server():
    """Answers every request with a status line and half a body, then closes the connection."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = listener.accept()
                with connection:
                    connection.recv(65536)
                    connection.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n{"
                    )

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()
