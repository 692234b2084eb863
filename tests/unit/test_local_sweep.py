"""The local schedule of `make run`: an interval scheduler, and the event EventBridge Scheduler sends."""

from __future__ import annotations

import threading

from factor_cleanup.local.sweep import IntervalScheduler, scheduler_event


def test_the_interval_scheduler_calls_its_job_until_stopped():
    ran = threading.Event()
    scheduler = IntervalScheduler(ran.set, interval=0.01)
    scheduler.start()
    assert ran.wait(timeout=10)
    scheduler.stop()


def test_the_local_schedule_sends_what_eventbridge_scheduler_sends():
    event = scheduler_event()
    assert set(event) == {"source", "scheduled_time", "execution_id", "attempt"} and event["scheduled_time"].endswith(
        "Z"
    )
