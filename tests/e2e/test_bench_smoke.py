"""`make bench` smoke run on the local stack: the Event Streams benchmark posts batches. Structure only, never timing."""

from __future__ import annotations

from bench import event_streams_intake


def test_event_streams_benchmark_posts_batches_to_the_local_stack(restore_environ):
    before = dict(restore_environ)
    result = event_streams_intake.run(quick=True)
    assert dict(restore_environ) == before  # the stack's settings are gone again
    assert set(result.data["seconds_by_size"]) == set(event_streams_intake.QUICK_SIZES)  # each batch all queued
    assert all(seconds > 0 for seconds in result.data["seconds_by_size"].values())
    assert result.data["one_by_one_seconds"] > 0 and result.ratio.endswith("x") and result.met is None
