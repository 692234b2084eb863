"""events/ holds a sample for every handler; they must match the code that generates them and be accepted."""

from __future__ import annotations

import json

import pytest

from factor_cleanup.domain.messages import parse_message
from factor_cleanup.local.demo import EVENTS_DIR, sample_events


@pytest.mark.parametrize("name", sorted(sample_events()))
def test_committed_sample_matches_the_generator(name):
    committed = json.loads((EVENTS_DIR / name).read_text())
    assert committed == sample_events()[name], f"run `python -m factor_cleanup.local.demo` to refresh events/{name}"


def test_every_handler_has_a_sample():
    handlers = {path.stem for path in (EVENTS_DIR.parent / "handlers").glob("*.py") if path.stem != "__init__"}
    samples = " ".join(sample_events())
    missing = [name for name in handlers if not any(key in samples for key in SAMPLE_KEYS.get(name, (name,)))]
    assert not missing, f"no sample event in events/ for handlers {missing}"


SAMPLE_KEYS = {
    "ingest": ("debugger-webhook",),
    "worker": ("worker-sqs",),
    "report": ("report-request",),
    "daily_report": ("daily-report",),
    "kinesis_events": ("kinesis-error-logs",),
    "activity": ("activity-sqs-batch",),
}


def test_worker_sample_carries_a_valid_message():
    batch = sample_events()["worker-sqs-batch.json"]
    for record in batch["Records"]:
        parse_message(record["body"])


# --- the factor registry's samples: Verify webhooks, app activity, the new kinds, the sweeper's schedule ---
def _ingest(clock):
    from factor_cleanup.local.demo import DEMO_AUTH_TOKEN, DEMO_PORT
    from factor_cleanup.local.demo_registry import DEMO_APP_ACTIVITY_SECRET
    from factor_cleanup.local.verify_emulator_state import DEMO_ACCOUNT_SID
    from tests.fake_app import fake_app, settings
    from tests.fakes import FakeQueue

    queue = FakeQueue()
    config = settings(
        twilio_account_sid=DEMO_ACCOUNT_SID,
        twilio_auth_token=DEMO_AUTH_TOKEN,
        public_base_url=f"http://127.0.0.1:{DEMO_PORT}",
        app_activity_secret=DEMO_APP_ACTIVITY_SECRET,
    )
    return fake_app(config, clock=clock, work_queue=queue, activity_queue=queue).ingest, queue


@pytest.mark.parametrize("name", sorted(n for n in sample_events() if n.startswith("verify-webhook-")))
def test_verify_webhook_samples_are_signed_and_queued(name):
    from factor_cleanup.intake.http import HttpRequest
    from tests.fakes import FixedClock

    service, queue = _ingest(FixedClock())
    response = service.handle(HttpRequest.from_api_gateway(sample_events()[name]))
    assert (response.status, response.body["status"]) == (200, "queued")
    assert queue.sent[0].type == name.removeprefix("verify-webhook-").rsplit("-", 1)[0].replace("-", ".", 1)


def test_app_activity_sample_is_signed_for_its_own_time():
    from factor_cleanup.intake.http import HttpRequest
    from tests.fakes import FixedClock

    service, queue = _ingest(FixedClock())  # 2026-11-25T12:00:00Z, the sample's timestamp
    response = service.handle(HttpRequest.from_api_gateway(sample_events()["app-activity-request.json"]))
    assert response.status == 202 and queue.sent[0].event_id == "activity:demo-app-open-0001"


def test_registry_batches_hold_one_message_of_each_registry_kind():
    batch = sample_events()["worker-sqs-batch-registry.json"]
    kinds = [parse_message(record["body"]).kind for record in batch["Records"]]
    assert kinds == ["verify_event", "inactive_candidate"]
    [activity] = sample_events()["activity-sqs-batch.json"]["Records"]
    assert parse_message(activity["body"]).kind == "app_activity"


def test_sweeper_sample_is_a_scheduler_input():
    event = sample_events()["sweeper-schedule.json"]
    assert event["source"] == "push-janitor.sweeper" and event["scheduled_time"].endswith("Z")
