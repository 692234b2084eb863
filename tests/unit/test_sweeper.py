"""The inactivity sweeper over a fake registry and queue: reads only candidates and queues each once a day."""

from __future__ import annotations

from datetime import timedelta

import pytest

from factor_cleanup.domain.factors import FactorRecord
from factor_cleanup.domain.messages import InactiveCandidate, parse_message
from tests.conftest import SERVICE_SID
from tests.fakes import FakeQueue, FakeRegistry
from tests.support.sweeper import NOW, STALE_IOS, factor, fill, sweeper


def test_only_stale_verified_factors_of_managed_services_are_queued():
    registry, queue = FakeRegistry(), FakeQueue()
    stale = fill(registry)
    report = sweeper(registry, queue, page_size=2).sweep()
    assert {m.factor_sid for m in queue.sent} == stale
    assert (report.candidates_read, report.enqueued, report.kept, report.complete) == (5, 5, 0, True)
    assert registry.items_read == 5 and registry.gets == 0  # nothing but the candidates was read
    assert report.seen_before == "2026-10-26T12:00:00Z"


def test_a_candidate_message_carries_what_the_worker_needs():
    registry, queue = FakeRegistry(), FakeQueue()
    registry.record_factor(factor(STALE_IOS, 100, identity="demo-user-0001"))
    sweeper(registry, queue).sweep()
    [message] = queue.sent
    assert isinstance(message, InactiveCandidate) and parse_message(message.model_dump_json()) == message
    assert (message.identity, message.platform, message.last_seen) == (
        "demo-user-0001",
        "apn",
        "2026-08-17T12:00:00Z",
    )
    assert message.event_id == f"inactive:{STALE_IOS}:2026-08-17T12:00:00Z:2026-11-25"


def test_two_sweeps_the_same_day_queue_the_same_event_ids_and_the_next_day_new_ones():
    registry = FakeRegistry()
    fill(registry)
    first, second, tomorrow = FakeQueue(), FakeQueue(), FakeQueue()
    sweeper(registry, first).sweep()
    sweeper(registry, second).sweep(scheduled_at=NOW + timedelta(hours=3))
    sweeper(registry, tomorrow).sweep(scheduled_at=NOW + timedelta(days=1))
    ids = [sorted(m.event_id for m in q.sent) for q in (first, second, tomorrow)]
    assert ids[0] == ids[1] and not set(ids[0]) & set(ids[2])


def test_a_run_out_of_time_stops_and_says_so():
    registry, queue = FakeRegistry(), FakeQueue()
    fill(registry, stale=5)
    budget = iter([100, 100, 5, 5, 5])
    report = sweeper(registry, queue).sweep(seconds_left=lambda: next(budget))
    assert not report.complete and report.enqueued == 2 and len(queue.sent) == 2


def test_a_candidate_without_an_identity_is_kept_not_queued():
    registry, queue = FakeRegistry(), FakeQueue()
    registry.rows["YF" + "1" * 32] = FactorRecord(
        "YF" + "1" * 32, SERVICE_SID, None, "push", status="verified", last_seen="2026-01-01T00:00:00Z"
    )
    report = sweeper(registry, queue).sweep()
    assert (report.candidates_read, report.kept, queue.sent) == (1, 1, [])


def test_a_queue_failure_fails_the_run_so_scheduler_retries():
    from factor_cleanup.domain.ports import QueueUnavailable

    registry = FakeRegistry()
    fill(registry)
    with pytest.raises(QueueUnavailable):
        sweeper(registry, FakeQueue(down=True)).sweep()
