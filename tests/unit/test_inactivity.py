"""The inactivity rule on its own: which challenge histories mean the app is gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from factor_cleanup.domain.factors import Challenge
from factor_cleanup.domain.inactivity import InactivityRule

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
RULE = InactivityRule(inactive_days=30, unanswered_challenges=3)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def challenge(status: str, days: float, responded_days: float | None = None) -> Challenge:
    responded = (
        ago(responded_days) if responded_days is not None else (ago(days) if status in ("approved", "denied") else None)
    )
    return Challenge(f"YC{int(days * 100):032d}", status, ago(days), responded)


def test_three_expired_challenges_after_a_long_silence_mean_inactive():
    verdict = RULE.judge(ago(100), [challenge("expired", d) for d in (30, 20, 10)], NOW)
    assert verdict.inactive and verdict.reason_code == "inactive"
    assert "last 3 challenges" in verdict.reason and "100 days" in verdict.reason


def test_a_recent_approval_keeps_the_factor_and_moves_last_seen():
    verdict = RULE.judge(
        ago(60), [challenge("approved", 1 / 24), *(challenge("expired", d) for d in (30, 20, 10))], NOW
    )
    assert not verdict.inactive and verdict.reason_code == "answered_recently"
    assert verdict.last_seen == ago(1 / 24)


@pytest.mark.parametrize("answer", ["approved", "denied"])
def test_a_denial_is_a_sign_of_life_too(answer):
    verdict = RULE.judge(ago(60), [challenge(answer, 2)], NOW)
    assert not verdict.inactive and verdict.reason_code == "answered_recently"


def test_a_registry_that_says_seen_recently_wins_without_looking_at_challenges():
    verdict = RULE.judge(ago(2), [challenge("expired", d) for d in (3, 2, 1)], NOW)
    assert not verdict.inactive and verdict.reason_code == "alive"


def test_two_unanswered_are_not_enough():
    verdict = RULE.judge(ago(100), [challenge("expired", d) for d in (20, 10)], NOW)
    assert not verdict.inactive and verdict.reason_code == "too_few_unanswered" and "only 2" in verdict.reason


def test_no_challenges_at_all_is_not_evidence():
    assert RULE.judge(ago(400), [], NOW).reason_code == "too_few_unanswered"


def test_expired_challenges_before_the_last_answer_do_not_count():
    history = [challenge("expired", d) for d in (90, 85, 80)] + [challenge("approved", 70), challenge("expired", 5)]
    verdict = RULE.judge(ago(100), history, NOW)
    assert not verdict.inactive and verdict.reason_code == "too_few_unanswered"
    assert verdict.last_seen == ago(70)


def test_an_old_answer_after_last_seen_moves_last_seen_but_still_deletes():
    history = [challenge("approved", 70), *(challenge("expired", d) for d in (30, 20, 10))]
    verdict = RULE.judge(ago(100), history, NOW)
    assert verdict.inactive and verdict.last_seen == ago(70)


def test_a_pending_challenge_waits():
    verdict = RULE.judge(ago(100), [challenge("expired", d) for d in (30, 20)] + [challenge("pending", 0.001)], NOW)
    assert not verdict.inactive and verdict.reason_code == "challenge_pending"


def test_thresholds_are_configuration():
    strict = InactivityRule(inactive_days=90, unanswered_challenges=5)
    history = [challenge("expired", d) for d in (30, 20, 10)]
    assert strict.judge(ago(60), history, NOW).reason_code == "alive"
    assert strict.judge(ago(100), history, NOW).reason_code == "too_few_unanswered"
    assert strict.judge(ago(100), history + [challenge("expired", d) for d in (8, 6)], NOW).inactive
