"""The worker's retry delays: exponential backoff with jitter, Verify's Retry-After honoured up to six hours."""

from __future__ import annotations

import pytest

from factor_cleanup.runtime.worker import MAX_VISIBILITY_SECONDS, retry_delay_seconds


@pytest.mark.parametrize("count, floor, ceiling", [(1, 5, 10), (3, 20, 40), (20, 450, 900)])
def test_retry_delay_grows_and_is_capped(count, floor, ceiling):
    assert floor <= retry_delay_seconds(count) <= ceiling


@pytest.mark.parametrize(
    "retry_after, delay", [(1.5, 10), (3600, 3600), (5 * 3600, 5 * 3600), (10**6, MAX_VISIBILITY_SECONDS)]
)
def test_retry_after_is_honoured_beyond_the_backoff_up_to_six_hours(retry_after, delay):
    assert delay - 5 <= retry_delay_seconds(1, retry_after) <= delay
    assert retry_delay_seconds(20, retry_after) >= min(retry_after, MAX_VISIBILITY_SECONDS)
