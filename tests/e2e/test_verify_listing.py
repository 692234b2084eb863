"""The Verify adapter's reads (factor fetch, challenge list, factor listing) against the local emulator over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from factor_cleanup.adapters.twilio.verify_api import TwilioVerifyApi
from factor_cleanup.domain.ports import VerifyNotFound, VerifyRejected, VerifyRetryable
from factor_cleanup.local.verify_emulator import EmulatorState
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, IDENTITY, SERVICE_SID, served_emulator

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def emulator():
    state = EmulatorState({(ACCOUNT_SID, AUTH_TOKEN)}, clock=lambda: T0)
    state.add_service(SERVICE_SID, "test", ACCOUNT_SID)
    with served_emulator(state) as url:
        yield state, TwilioVerifyApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN, base_url=url)


def test_fetch_factor_reads_platform_status_and_dates(emulator):
    state, api = emulator
    sid = state.add_factor(SERVICE_SID, IDENTITY, "apn", created=T0 - timedelta(days=3))["sid"]
    factor = api.fetch_factor(SERVICE_SID, IDENTITY, sid)
    assert (factor.sid, factor.identity, factor.status, factor.platform) == (sid, IDENTITY, "verified", "apn")
    assert factor.created_at == T0 - timedelta(days=3) and factor.created_at.tzinfo is not None


def test_fetch_of_a_deleted_factor_is_not_found(emulator):
    state, api = emulator
    sid = state.add_factor(SERVICE_SID, IDENTITY)["sid"]
    state.delete_factor(SERVICE_SID, IDENTITY, sid)
    with pytest.raises(VerifyNotFound):
        api.fetch_factor(SERVICE_SID, IDENTITY, sid)


def test_recent_challenges_are_the_factors_own_newest_first_and_limited(emulator):
    state, api = emulator
    mine = state.add_factor(SERVICE_SID, IDENTITY, "apn")["sid"]
    other = state.add_factor(SERVICE_SID, IDENTITY, "fcm")["sid"]
    for days, status in ((9, "approved"), (5, "expired"), (3, "expired"), (1, "expired")):
        state.add_challenge(SERVICE_SID, IDENTITY, mine, status, created=T0 - timedelta(days=days))
    state.add_challenge(SERVICE_SID, IDENTITY, other, "approved", created=T0 - timedelta(hours=1))
    got = api.recent_challenges(SERVICE_SID, IDENTITY, mine, limit=3)
    assert [c.status for c in got] == ["expired", "expired", "expired"]
    assert [c.created_at for c in got] == [T0 - timedelta(days=d) for d in (1, 3, 5)]
    approved = api.recent_challenges(SERVICE_SID, IDENTITY, mine, limit=10)[-1]
    assert approved.answered and approved.responded_at == T0 - timedelta(days=9) + timedelta(seconds=12)


def test_list_factors_walks_every_entity(emulator):
    state, api = emulator
    expected = {state.add_factor(SERVICE_SID, f"user-{n:04d}-abcd")["sid"] for n in range(3)}
    expected.add(state.add_factor(SERVICE_SID, "user-0000-abcd", "apn", status="unverified")["sid"])
    found = list(api.list_factors(SERVICE_SID))
    assert {f.sid for f in found} == expected
    assert {f.status for f in found} == {"verified", "unverified"}


@pytest.mark.parametrize(
    "status, error", [(404, VerifyNotFound), (429, VerifyRetryable), (503, VerifyRetryable), (403, VerifyRejected)]
)
def test_list_errors_are_translated_from_twilios_bare_exception(emulator, status, error):
    state, api = emulator
    sid = state.add_factor(SERVICE_SID, IDENTITY)["sid"]
    state.set_faults(error_rate=1.0, error_statuses=(status,))
    with pytest.raises(error):
        api.recent_challenges(SERVICE_SID, IDENTITY, sid, limit=3)
    with pytest.raises(error):
        list(api.list_factors(SERVICE_SID))


def test_unknown_service_lists_as_not_found(emulator):
    _, api = emulator
    with pytest.raises(VerifyNotFound):
        list(api.list_factors("VA" + "0" * 32))
