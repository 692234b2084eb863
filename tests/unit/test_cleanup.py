"""The decision for one factor (push failure or inactive candidate), with fakes for every port."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from factor_cleanup.domain.factors import FactorRecord
from factor_cleanup.domain.messages import InactiveCandidate, PushFailure
from factor_cleanup.domain.ports import VerifyRejected, VerifyRetryable
from factor_cleanup.services.cleanup import RegistryRequired
from tests.conftest import FACTOR_SID, IDENTITY, SERVICE_SID
from tests.fake_app import fake_app, settings
from tests.fakes import FakeLedger, FakeRegistry, FakeVerify
from tests.support.push_failure import failure

FACTOR = (SERVICE_SID, IDENTITY, FACTOR_SID)


def service(mode="delete", verify=None, managed=(SERVICE_SID,), registry=None, ledger=None):
    """Delete mode needs a registry (without one it is a configuration error): an empty one unless given."""
    verify = verify if verify is not None else FakeVerify({FACTOR})
    if registry is None and mode == "delete":
        registry = FakeRegistry()
    config = settings(
        cleanup_mode=mode, verify_service_sids=frozenset(managed), inactive_days=30, unanswered_challenges=3
    )
    svc = fake_app(config, verify=verify, registry=registry, ledger=ledger or FakeLedger()).cleanup
    return svc, svc.ledger, verify


def test_dead_token_deletes_the_factor_and_records_it():
    svc, ledger, verify = service()
    action = svc.handle_push_failure(failure())
    assert action.outcome == "deleted" and verify.calls == [FACTOR] and not verify.factors
    row = ledger.rows["NO" + "1" * 32]
    assert (row.factor_sid, row.service_sid, row.identity, row.error_code) == (
        FACTOR_SID,
        SERVICE_SID,
        IDENTITY,
        "52103",
    )
    assert row.at == "2026-11-25T12:00:00Z" and "uninstalled" in row.reason


def test_factor_already_deleted_is_already_gone():
    svc, _ledger, _verify = service(verify=FakeVerify(set()))
    assert svc.handle_push_failure(failure()).outcome == "already_gone"


def test_report_only_records_would_delete_and_calls_nothing():
    svc, _ledger, verify = service(mode="report-only")
    action = svc.handle_push_failure(failure())
    assert action.outcome == "would_delete" and verify.calls == [] and verify.factors == {FACTOR}


@pytest.mark.parametrize("code", ["52143", "52109", "52131"])
def test_configuration_error_never_deletes(code):
    svc, _ledger, verify = service()
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
    action = svc.handle_push_failure(
        failure(factor_sid=None, correlation_problem="correlationIds has no factor SID (YF…)")
    )
    assert action.outcome == "skipped" and "no factor SID" in action.reason and verify.calls == []
    assert ledger.rows[action.event_id].reason_code == "ambiguous_ids"


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


# --- the factor registry: identity resolution, liveness, deletion bookkeeping -------------------
ERROR_AT = "2026-11-25T11:59:00Z"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def with_registry(mode="delete", verify=None, managed=(SERVICE_SID,), **row):
    registry = FakeRegistry()
    fields = {
        "service_sid": SERVICE_SID,
        "identity": IDENTITY,
        "status": "verified",
        "platform": "apn",
        "last_seen": "2026-10-01T00:00:00Z",
        **row,
    }
    registry.rows[FACTOR_SID] = FactorRecord(FACTOR_SID, **fields)
    svc, ledger, verify = service(mode=mode, verify=verify, managed=managed, registry=registry)
    return svc, ledger, verify, registry


def missing_identity(**changes) -> PushFailure:
    return failure(
        identity=None,
        occurred_at=ERROR_AT,
        correlation_problem="correlationIds has no entity identity",
        correlation_problem_code="missing_identity",
        **changes,
    )


def test_missing_identity_is_resolved_through_the_registry():
    svc, _ledger, verify, registry = with_registry()
    action = svc.handle_push_failure(missing_identity())
    assert action.outcome == "deleted" and action.identity == IDENTITY and verify.calls == [FACTOR]
    assert registry.rows[FACTOR_SID].deleted_by == "push-janitor"


def test_missing_identity_unknown_to_the_registry_stays_skipped():
    svc, _, verify, registry = with_registry()
    registry.rows.clear()
    action = svc.handle_push_failure(missing_identity())
    assert action.outcome == "skipped" and action.reason_code == "ambiguous_ids" and verify.calls == []
    assert "registry does not know" in action.reason


def test_registry_entry_under_another_service_does_not_resolve_the_identity():
    svc, _, verify, _ = with_registry(service_sid="VA" + "0" * 32)
    action = svc.handle_push_failure(missing_identity())
    assert action.reason_code == "ambiguous_ids" and verify.calls == []


def test_other_correlation_problems_are_not_papered_over_by_the_registry():
    svc, _, verify, _ = with_registry()
    action = svc.handle_push_failure(
        failure(
            factor_sid=None,
            correlation_problem="correlationIds has no factor SID",
            correlation_problem_code="missing_ids",
        )
    )
    assert action.reason_code == "ambiguous_ids" and verify.calls == []


def test_an_approval_after_the_error_prevents_the_deletion():
    svc, _ledger, verify, _ = with_registry(last_seen="2026-11-25T11:59:30Z", last_seen_via="challenge.approved")
    action = svc.handle_push_failure(failure(occurred_at=ERROR_AT))
    assert action.outcome == "skipped" and action.reason_code == "alive" and verify.calls == []
    assert "challenge.approved" in action.reason and verify.factors == {FACTOR}


def test_an_approval_before_the_error_does_not_prevent_it():
    svc, _, _verify, _ = with_registry(last_seen="2026-11-25T11:53:59Z")  # more than CLOCK_SKEW before it
    assert svc.handle_push_failure(failure(occurred_at=ERROR_AT)).outcome == "deleted"


def test_an_approval_within_the_clock_skew_before_the_error_keeps_the_factor():
    """Twilio's clock and the one that dated the approval may differ: 4 minutes before the error may be after it."""
    svc, _, verify, _ = with_registry(last_seen="2026-11-25T11:55:00Z")
    action = svc.handle_push_failure(failure(occurred_at=ERROR_AT))
    assert (action.outcome, action.reason_code) == ("skipped", "alive") and verify.calls == []


def test_liveness_also_holds_in_report_only_mode():
    svc, _, _, _ = with_registry(mode="report-only", last_seen="2026-11-25T11:59:30Z")
    assert svc.handle_push_failure(failure(occurred_at=ERROR_AT)).reason_code == "alive"


def test_a_factor_the_registry_knows_is_deleted_is_already_gone_without_a_verify_call():
    svc, _, verify, _ = with_registry(deleted_at="2026-11-20T00:00:00Z", deleted_by="user", deletion_confirmed=True)
    action = svc.handle_push_failure(failure(occurred_at=ERROR_AT))
    assert action.outcome == "already_gone" and verify.calls == [] and "confirmed by Verify" in action.reason


def test_a_404_records_the_factor_as_deleted_by_someone_else():
    svc, _, _, registry = with_registry(verify=FakeVerify(set()))
    assert svc.handle_push_failure(failure()).outcome == "already_gone"
    assert registry.rows[FACTOR_SID].deleted_by == "user"


# --- inactive candidates (the sweeper's road) -------------------------------------------------
def candidate(last_seen="2026-08-17T12:00:00Z", **changes) -> InactiveCandidate:
    fields = dict(
        event_id=f"inactive:{FACTOR_SID}:{last_seen}:2026-11-25",
        factor_sid=FACTOR_SID,
        service_sid=SERVICE_SID,
        identity=IDENTITY,
        last_seen=last_seen,
        platform="apn",
        swept_at="2026-11-25T12:00:00Z",
    )
    return InactiveCandidate(**{**fields, **changes})


def stale_ios(mode="delete", managed=(SERVICE_SID,), **row):
    svc, ledger, verify, registry = with_registry(mode=mode, managed=managed, last_seen="2026-08-17T12:00:00Z", **row)
    for days in (30, 20, 10):
        verify.add_challenge(FACTOR_SID, "expired", NOW - timedelta(days=days))
    return svc, ledger, verify, registry


def test_an_inactive_factor_is_deleted_with_reason_inactive():
    svc, ledger, verify, registry = stale_ios()
    action = svc.handle_inactive_candidate(candidate())
    assert action.outcome == "deleted" and action.reason_code == "inactive" and action.source == "sweeper"
    assert verify.calls == [FACTOR] and ("recent_challenges", FACTOR_SID) in verify.reads
    assert registry.rows[FACTOR_SID].deleted_by == "push-janitor" and ledger.rows[action.event_id] == action


def test_report_only_mode_records_would_delete_for_inactive_factors():
    svc, _, verify, _ = stale_ios(mode="report-only")
    action = svc.handle_inactive_candidate(candidate())
    assert action.outcome == "would_delete" and action.reason_code == "inactive" and verify.calls == []


def test_a_candidate_whose_app_answered_recently_is_kept_and_its_last_seen_fixed():
    svc, _ledger, verify, registry = stale_ios()
    verify.add_challenge(FACTOR_SID, "approved", NOW - timedelta(hours=1))
    action = svc.handle_inactive_candidate(candidate())
    assert action.outcome == "skipped" and action.reason_code == "answered_recently" and verify.calls == []
    assert registry.rows[FACTOR_SID].last_seen == "2026-11-25T11:00:10Z"
    assert registry.rows[FACTOR_SID].last_seen_via == "challenge_list"


def test_activity_after_the_sweep_picked_it_keeps_the_factor():
    svc, _, verify, registry = stale_ios()
    registry.mark_seen(FACTOR_SID, NOW - timedelta(minutes=5), "app_activity")
    action = svc.handle_inactive_candidate(candidate())
    assert action.reason_code == "alive" and verify.calls == []


def test_a_candidate_already_deleted_is_not_looked_up():
    svc, _, verify, _ = stale_ios(deleted_at="2026-11-24T00:00:00Z", deleted_by="push-janitor")
    action = svc.handle_inactive_candidate(candidate())
    assert action.outcome == "already_gone" and verify.reads == [] and verify.calls == []


def test_a_candidate_verify_no_longer_has_is_already_gone():
    svc, _, verify, registry = stale_ios()
    verify.factors.clear()
    action = svc.handle_inactive_candidate(candidate())
    assert action.outcome == "already_gone" and registry.rows[FACTOR_SID].deleted_by == "user"


def test_an_unmanaged_candidate_is_skipped():
    svc, _, verify, _ = stale_ios(managed=("VA" + "0" * 32,))
    assert svc.handle_inactive_candidate(candidate()).reason_code == "unmanaged_service" and verify.reads == []


def test_a_throttled_challenge_list_is_retried_later_and_records_nothing():
    svc, ledger, verify, _ = stale_ios()
    verify.errors.append(VerifyRetryable("HTTP 429"))
    with pytest.raises(VerifyRetryable):
        svc.handle_inactive_candidate(candidate())
    assert ledger.rows == {} and verify.calls == []


def test_candidates_need_a_registry():
    svc, _, _ = service(mode="report-only")  # delete mode without a registry does not even start
    with pytest.raises(RegistryRequired):
        svc.handle_inactive_candidate(candidate())


def test_a_rejected_challenge_list_is_recorded_as_failed():
    svc, _, verify, _ = stale_ios()
    verify.errors.append(VerifyRejected("HTTP 403"))
    action = svc.handle_inactive_candidate(candidate())
    assert action.outcome == "failed" and action.reason_code == "verify_rejected" and verify.calls == []


class LedgerThatFailsOnce(FakeLedger):
    """The first write is lost (a Lambda timeout, a DynamoDB error) after the DELETE went through."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    def record(self, action):
        if not self.failed:
            self.failed = True
            raise RuntimeError("ledger write lost")
        super().record(action)


def test_a_retry_after_a_lost_ledger_write_still_says_deleted():
    svc, _, verify = service(ledger=LedgerThatFailsOnce(), registry=FakeRegistry())
    with pytest.raises(RuntimeError):
        svc.handle_push_failure(failure())
    action = svc.handle_push_failure(failure())  # the queue's retry of the same event
    assert action.outcome == "deleted" and "earlier try of this event" in action.reason
    assert verify.calls == [FACTOR]  # no second DELETE


def test_another_event_about_a_factor_we_deleted_is_already_gone():
    svc, _, verify = service(registry=FakeRegistry())
    svc.handle_push_failure(failure())
    action = svc.handle_push_failure(failure(event_id="NO" + "2" * 32))
    assert action.outcome == "already_gone" and verify.calls == [FACTOR]
