"""Where the registry's facts come from, and what deleting needs from it (review findings 5 and 8).

5. Whoever may only report activity (POST /app/activity, the ActivityQueue) can never cause a deletion: an
   activity report moves last_seen forward and writes nothing else, so it cannot supply or plant the identity
   and service a push failure is later completed or judged with.
8. CLEANUP_MODE=delete needs REGISTRY_TABLE: without the registry nothing can show life after the evidence.
"""

from __future__ import annotations

import pytest

from factor_cleanup.domain.messages import AppActivity
from factor_cleanup.runtime.credentials import ConfigurationError
from tests.conftest import FACTOR_SID, IDENTITY, SERVICE_SID
from tests.fake_app import fake_app, settings
from tests.fakes import FakeLedger, FakeVerify
from tests.support.push_failure import failure
from tests.unit.test_deletion_safety import FACTOR, Stack

OTHER_IDENTITY = "someone-else-0001"
OTHER_SERVICE = "VA" + "e" * 32


def report(identity: str = IDENTITY, service_sid: str = SERVICE_SID, at: str = "2026-11-01T00:00:00Z") -> AppActivity:
    return AppActivity(factor_sid=FACTOR_SID, service_sid=service_sid, identity=identity, occurred_at=at)


def without_identity():
    return failure(
        identity=None,
        correlation_problem="correlationIds has no entity identity",
        correlation_problem_code="missing_identity",
    )


# 5. Activity moves last_seen, nothing else ---------------------------------------------------------------
def test_an_activity_report_cannot_supply_the_identity_that_lets_a_push_failure_delete():
    """The failure's correlationIds lack the identity (ambiguous_ids on its own); an activity report named one."""
    stack = Stack()  # the registry does not know the factor
    stack.app.tracker.apply_activity(report())
    action = stack.service.handle_push_failure(without_identity())
    assert (action.outcome, action.reason_code) == ("skipped", "ambiguous_ids")
    assert stack.verify.calls == [] and FACTOR in stack.verify.factors


def test_an_identity_planted_by_an_activity_report_never_makes_a_404_mark_a_live_factor_deleted():
    """Verify has the factor under IDENTITY; a report names it under another identity, which a failure then
    carries: Verify's 404 for the wrong identity must not read as the registry agreeing it is gone."""
    stack = Stack()
    stack.app.tracker.apply_activity(report(identity=OTHER_IDENTITY))
    action = stack.service.handle_push_failure(failure(identity=OTHER_IDENTITY))
    assert action.outcome == "already_gone" and FACTOR in stack.verify.factors
    row = stack.registry.get(FACTOR_SID)
    assert row is None or not row.deleted
    stack.app.tracker.apply_activity(report(identity=OTHER_IDENTITY, at="2026-11-02T00:00:00Z"))
    assert stack.service.handle_push_failure(without_identity()).reason_code == "ambiguous_ids"


def test_an_activity_report_about_a_factor_the_registry_does_not_know_writes_only_last_seen():
    stack = Stack()
    stack.app.tracker.apply_activity(report(service_sid=OTHER_SERVICE, at="2026-11-20T00:00:00Z"))
    row = stack.registry.get(FACTOR_SID)
    assert (row.last_seen, row.last_seen_via) == ("2026-11-20T00:00:00Z", "app_activity")
    assert (row.service_sid, row.identity, row.factor_type, row.status, row.deleted) == (None, None, None, None, False)
    assert stack.registry.live_factors_of(OTHER_SERVICE, IDENTITY) == []


# 8. Deleting needs the registry ----------------------------------------------------------------------------
def test_without_a_factor_registry_delete_mode_is_a_configuration_error():
    """REGISTRY_TABLE unset: "nothing showed life after the evidence" cannot be checked, so delete mode refuses
    to start rather than delete on the error code alone."""
    verify = FakeVerify({FACTOR})
    app = fake_app(settings(cleanup_mode="delete"), verify=verify, ledger=FakeLedger())
    assert app.registry is None
    with pytest.raises(ConfigurationError, match="REGISTRY_TABLE"):
        app.cleanup.handle_push_failure(failure())
    assert verify.calls == [] and FACTOR in verify.factors


def test_an_environment_of_delete_mode_without_a_registry_is_refused_at_start(restore_environ):
    from factor_cleanup.runtime.bootstrap import load_settings

    restore_environ.pop("REGISTRY_TABLE", None)
    restore_environ["CLEANUP_MODE"] = "delete"
    with pytest.raises(ConfigurationError, match="REGISTRY_TABLE"):
        load_settings()
    restore_environ["REGISTRY_TABLE"] = "push-janitor-registry"  # with it, or in report-only mode, all is well
    assert load_settings().cleanup_mode == "delete"
    restore_environ.pop("REGISTRY_TABLE")
    restore_environ["CLEANUP_MODE"] = "report-only"
    assert load_settings().registry_table == ""


def test_a_function_configured_for_delete_mode_without_a_registry_answers_configuration_error(restore_environ):
    from tests.conftest import ACCOUNT_SID, AUTH_TOKEN
    from tests.support.handlers import call_ingest, signed_event

    restore_environ.pop("REGISTRY_TABLE", None)
    restore_environ.update(TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN, CLEANUP_MODE="delete")
    status, body = call_ingest(signed_event())
    assert status == 503 and body["error"] == "configuration_error"


def test_a_reviewed_apply_on_a_worker_without_a_registry_deletes_nothing():
    """Report-only may run without a registry; an ops-reviewed apply there still cannot rule out life since."""
    verify = FakeVerify({FACTOR})
    app = fake_app(settings(cleanup_mode="report-only"), verify=verify, ledger=FakeLedger())
    reviewed = app.cleanup.handle_push_failure(failure())
    assert reviewed.outcome == "would_delete"
    applied = app.cleanup.handle_push_failure(
        failure(event_id="apply:" + reviewed.event_id, reviewed_event_id=reviewed.event_id)
    )
    assert (applied.outcome, applied.reason_code) == ("skipped", "no_registry")
    assert verify.calls == [] and verify.reads == [] and FACTOR in verify.factors
