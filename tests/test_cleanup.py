"""The decision for one push failure, with fakes for the ledger, the Verify API and the clock."""

from __future__ import annotations

import pytest

from factor_cleanup.cleanup import CleanupService
from factor_cleanup.messages import PushFailure
from factor_cleanup.policy import ErrorCodePolicy
from factor_cleanup.ports import VerifyRejected, VerifyRetryable
from tests.conftest import CHALLENGE_SID, FACTOR_SID, IDENTITY, SERVICE_SID
from tests.fakes import FakeLedger, FakeVerify, FixedClock

FACTOR = (SERVICE_SID, IDENTITY, FACTOR_SID)


def failure(**changes) -> PushFailure:
    fields = dict(
        event_id="NO" + "1" * 32, source="debugger", error_code="52103", service_sid=SERVICE_SID,
        identity=IDENTITY, factor_sid=FACTOR_SID, challenge_sid=CHALLENGE_SID, binding_type="fcm",
    )  # fmt: skip
    return PushFailure(**{**fields, **changes})


def service(mode="delete", verify=None, managed=(SERVICE_SID,)):
    verify = verify if verify is not None else FakeVerify({FACTOR})
    svc = CleanupService(FakeLedger(), verify, FixedClock(), ErrorCodePolicy(), frozenset(managed), mode)
    return svc, svc.ledger, verify


def test_dead_token_deletes_the_factor_and_records_it():
    svc, ledger, verify = service()
    action = svc.handle_push_failure(failure())
    assert action.outcome == "deleted" and verify.calls == [FACTOR] and not verify.factors
    row = ledger.rows["NO" + "1" * 32]
    assert (row.factor_sid, row.service_sid, row.identity, row.error_code) == (FACTOR_SID, SERVICE_SID, IDENTITY, "52103")
    assert row.at == "2026-11-25T12:00:00Z" and "uninstalled" in row.reason


def test_factor_already_deleted_is_already_gone():
    svc, ledger, verify = service(verify=FakeVerify(set()))
    assert svc.handle_push_failure(failure()).outcome == "already_gone"


def test_report_only_records_would_delete_and_calls_nothing():
    svc, ledger, verify = service(mode="report-only")
    action = svc.handle_push_failure(failure())
    assert action.outcome == "would_delete" and verify.calls == [] and verify.factors == {FACTOR}


@pytest.mark.parametrize("code", ["52143", "52109", "52131"])
def test_configuration_error_never_deletes(code):
    svc, ledger, verify = service()
    action = svc.handle_push_failure(failure(error_code=code))
    assert action.outcome == "skipped" and action.reason_code == "configuration" and verify.calls == []


def test_fcm_401_description_never_deletes():
    svc, _, verify = service()
    action = svc.handle_push_failure(failure(description="401 http response from Fcm Service"))
    assert action.outcome == "skipped" and verify.calls == []


def test_unmanaged_service_is_skipped():
    svc, _, verify = service(managed=("VA" + "0" * 32,))
    action = svc.handle_push_failure(failure())
    assert action.outcome == "skipped" and action.reason_code == "unmanaged_service" and verify.calls == []


def test_ambiguous_ids_are_skipped_with_the_reason():
    svc, ledger, verify = service()
    action = svc.handle_push_failure(failure(factor_sid=None, correlation_problem="correlationIds has no factor SID (YF…)"))
    assert action.outcome == "skipped" and "no factor SID" in action.reason and verify.calls == []
    assert ledger.rows[action.event_sid].reason_code == "ambiguous_ids"


def test_verify_401_is_failed_and_recorded():
    verify = FakeVerify({FACTOR})
    verify.errors.append(VerifyRejected("HTTP 401 code 20003: Authenticate"))
    svc, ledger, _ = service(verify=verify)
    action = svc.handle_push_failure(failure())
    assert action.outcome == "failed" and "20003" in action.reason and ledger.rows


def test_retryable_error_propagates_and_records_nothing():
    verify = FakeVerify({FACTOR})
    verify.errors.append(VerifyRetryable("HTTP 429 code 20429"))
    svc, ledger, _ = service(verify=verify)
    with pytest.raises(VerifyRetryable):
        svc.handle_push_failure(failure())
    assert ledger.rows == {} and verify.factors == {FACTOR}
