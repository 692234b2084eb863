"""Registry transitions from Verify events and app activity, over a fake registry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from factor_cleanup.domain.factors import FactorRecord
from factor_cleanup.services.tracker import FactorTracker
from tests.conftest import FACTOR_SID, IDENTITY, SERVICE_SID
from tests.fake_app import fake_app
from tests.fakes import FakeRegistry, FixedClock
from tests.support.tracker import NOW, activity, event


@pytest.fixture
def tracker() -> FactorTracker:
    tracker = fake_app(registry=FakeRegistry(), clock=FixedClock(NOW)).tracker
    assert tracker is not None
    return tracker


def row(tracker: FactorTracker, sid: str = FACTOR_SID) -> FactorRecord:
    return tracker.registry.rows[sid]


def test_factor_lifecycle(tracker):
    tracker.apply_verify_event(event("factor.created", "2026-11-25T10:00:00Z"))
    assert row(tracker).status == "unverified" and row(tracker).last_seen is None
    tracker.apply_verify_event(event("factor.verified", "2026-11-25T10:00:30Z"))
    assert (row(tracker).status, row(tracker).verified_at, row(tracker).last_seen) == (
        "verified",
        "2026-11-25T10:00:30Z",
        "2026-11-25T10:00:30Z",
    )
    tracker.apply_verify_event(event("challenge.approved", "2026-11-25T11:00:00Z"))
    assert (row(tracker).last_seen, row(tracker).last_seen_via) == ("2026-11-25T11:00:00Z", "challenge.approved")
    tracker.apply_verify_event(event("challenge.denied", "2026-11-25T11:30:00Z"))
    assert row(tracker).last_seen_via == "challenge.denied"
    tracker.apply_verify_event(event("factor.deleted", "2026-11-25T11:45:00Z"))
    assert (row(tracker).deleted_at, row(tracker).deleted_by, row(tracker).deletion_confirmed) == (
        "2026-11-25T11:45:00Z",
        "user",
        True,
    )


def test_an_old_answer_arriving_late_does_not_move_last_seen_back(tracker):
    tracker.apply_verify_event(event("challenge.approved", "2026-11-25T11:00:00Z"))
    tracker.apply_verify_event(event("challenge.approved", "2026-11-24T11:00:00Z", uuid="older"))
    assert row(tracker).last_seen == "2026-11-25T11:00:00Z"


def test_factor_deleted_confirms_our_own_deletion(tracker):
    tracker.registry.mark_deleted(FACTOR_SID, NOW - timedelta(minutes=1), "push-janitor")
    tracker.apply_verify_event(event("factor.deleted"))
    assert (row(tracker).deleted_by, row(tracker).deletion_confirmed) == ("push-janitor", True)


def test_a_clock_ahead_of_ours_cannot_push_last_seen_into_the_future(tracker):
    tracker.apply_verify_event(event("challenge.approved", "2027-06-01T00:00:00Z"))
    assert row(tracker).last_seen == "2026-11-25T12:00:00Z"


def test_activity_naming_the_factor_marks_it_seen(tracker):
    result = tracker.apply_activity(activity(factor_sid=FACTOR_SID))
    assert result["status"] == "applied" and row(tracker).last_seen_via == "app_activity"


def test_activity_naming_an_identity_with_one_factor_marks_that_factor(tracker):
    tracker.registry.record_factor(
        FactorRecord(FACTOR_SID, SERVICE_SID, IDENTITY, status="verified", last_seen="2026-01-01T00:00:00Z")
    )
    result = tracker.apply_activity(activity(service_sid=SERVICE_SID, identity=IDENTITY))
    assert result["factor_sid"] == FACTOR_SID and row(tracker).last_seen == "2026-11-25T11:50:00Z"


def test_activity_naming_an_identity_with_two_devices_changes_nothing(tracker):
    for sid in (FACTOR_SID, "YF" + "2" * 32):
        tracker.registry.record_factor(
            FactorRecord(sid, SERVICE_SID, IDENTITY, status="verified", last_seen="2026-01-01T00:00:00Z")
        )
    result = tracker.apply_activity(activity(service_sid=SERVICE_SID, identity=IDENTITY))
    assert result["status"] == "ignored" and "2 verified factors" in result["detail"]
    assert {r.last_seen for r in tracker.registry.rows.values()} == {"2026-01-01T00:00:00Z"}
