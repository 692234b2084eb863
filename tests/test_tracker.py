"""Registry transitions from Verify events and app activity, and the worker deciding each uuid once (moto)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from moto import mock_aws

from factor_cleanup.local.events import LocalLambdaContext, sqs_event
from factor_cleanup.domain.messages import AppActivity, VerifyEvent
from factor_cleanup.domain.factors import FactorRecord
from factor_cleanup.services.tracker import FactorTracker
from tests.aws import local_aws
from tests.conftest import FACTOR_SID, IDENTITY, SERVICE_SID
from tests.fake_app import fake_app, moto_app, settings
from tests.fakes import FakeRegistry, FixedClock

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def event(event_type: str, at: str = "2026-11-25T11:00:00Z", uuid: str | None = None, **changes) -> VerifyEvent:
    fields = dict(event_id=uuid or f"uuid-{event_type}", type=event_type, service_sid=SERVICE_SID, identity=IDENTITY,
                  factor_sid=FACTOR_SID, factor_type="push", occurred_at=at)  # fmt: skip
    return VerifyEvent(**{**fields, **changes})


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
        "verified", "2026-11-25T10:00:30Z", "2026-11-25T10:00:30Z")  # fmt: skip
    tracker.apply_verify_event(event("challenge.approved", "2026-11-25T11:00:00Z"))
    assert (row(tracker).last_seen, row(tracker).last_seen_via) == ("2026-11-25T11:00:00Z", "challenge.approved")
    tracker.apply_verify_event(event("challenge.denied", "2026-11-25T11:30:00Z"))
    assert row(tracker).last_seen_via == "challenge.denied"
    tracker.apply_verify_event(event("factor.deleted", "2026-11-25T11:45:00Z"))
    assert (row(tracker).deleted_at, row(tracker).deleted_by, row(tracker).deletion_confirmed) == (
        "2026-11-25T11:45:00Z", "user", True)  # fmt: skip


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


def activity(**fields) -> AppActivity:
    return AppActivity(occurred_at="2026-11-25T11:50:00Z", **fields)


def test_activity_naming_the_factor_marks_it_seen(tracker):
    result = tracker.apply_activity(activity(factor_sid=FACTOR_SID))
    assert result["status"] == "applied" and row(tracker).last_seen_via == "app_activity"


def test_activity_naming_an_identity_with_one_factor_marks_that_factor(tracker):
    tracker.registry.record_factor(FactorRecord(FACTOR_SID, SERVICE_SID, IDENTITY, status="verified", last_seen="2026-01-01T00:00:00Z"))
    result = tracker.apply_activity(activity(service_sid=SERVICE_SID, identity=IDENTITY))
    assert result["factor_sid"] == FACTOR_SID and row(tracker).last_seen == "2026-11-25T11:50:00Z"


def test_activity_naming_an_identity_with_two_devices_changes_nothing(tracker):
    for sid in (FACTOR_SID, "YF" + "2" * 32):
        tracker.registry.record_factor(FactorRecord(sid, SERVICE_SID, IDENTITY, status="verified", last_seen="2026-01-01T00:00:00Z"))
    result = tracker.apply_activity(activity(service_sid=SERVICE_SID, identity=IDENTITY))
    assert result["status"] == "ignored" and "2 verified factors" in result["detail"]
    assert {r.last_seen for r in tracker.registry.rows.values()} == {"2026-01-01T00:00:00Z"}


# --- through the worker, on moto: idempotency on the uuid, every kind routed -----------------
@pytest.fixture
def worker():
    with mock_aws():
        app = moto_app(local_aws(), settings(idempotency_window_seconds=3600, worker_record_concurrency=4),
                       clock=FixedClock(NOW))
        yield app.worker, app.registry


def batch(*messages) -> dict:
    raw = [{"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": m.model_dump_json(), "Attributes": {}}
           for i, m in enumerate(messages)]  # fmt: skip
    return sqs_event(raw, "arn:aws:sqs:us-east-1:123456789012:work")


def test_the_same_uuid_is_applied_once_even_if_its_content_differs(worker):
    work, registry = worker
    first = event("challenge.approved", "2026-11-25T09:00:00Z", uuid="same-uuid")
    assert work.handle_batch(batch(first), LocalLambdaContext()) == {"batchItemFailures": []}
    replay = event("challenge.approved", "2026-11-25T11:00:00Z", uuid="same-uuid")
    assert work.handle_batch(batch(replay), LocalLambdaContext()) == {"batchItemFailures": []}
    assert registry.get(FACTOR_SID).last_seen == "2026-11-25T09:00:00Z"  # the second delivery changed nothing
    other = event("challenge.approved", "2026-11-25T11:00:00Z", uuid="another-uuid")
    work.handle_batch(batch(other), LocalLambdaContext())
    assert registry.get(FACTOR_SID).last_seen == "2026-11-25T11:00:00Z"


def test_a_batch_mixing_kinds_is_routed_by_kind(worker):
    work, registry = worker
    messages = [event("factor.verified", "2026-11-25T08:00:00Z"), activity(factor_sid="YF" + "7" * 32)]
    assert work.handle_batch(batch(*messages), LocalLambdaContext()) == {"batchItemFailures": []}
    assert registry.get(FACTOR_SID).status == "verified" and registry.get("YF" + "7" * 32).last_seen_via == "app_activity"


def test_an_unknown_kind_fails_alone(worker):
    work, _ = worker
    good = event("factor.verified")
    raw = [{"MessageId": "bad", "ReceiptHandle": "r", "Body": json.dumps({"kind": "factor_renamed", "event_id": "x"}),
            "Attributes": {}}, {"MessageId": "good", "ReceiptHandle": "r2", "Body": good.model_dump_json(), "Attributes": {}}]
    response = work.handle_batch(sqs_event(raw, "arn:aws:sqs:us-east-1:123456789012:work"), LocalLambdaContext())
    assert response == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
