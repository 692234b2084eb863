"""The inactivity rule (iOS): what Verify's challenge list can and cannot prove. Each test here failed before
its rule (an outside review, third round)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from factor_cleanup.domain.factors import Challenge
from factor_cleanup.domain.messages import InactiveCandidate
from tests.conftest import FACTOR_SID, IDENTITY, SERVICE_SID
from tests.unit.test_deletion_safety import FACTOR, Stack, push_factor


def _candidate(last_seen: str = "2026-09-01T00:00:00Z") -> InactiveCandidate:
    return InactiveCandidate(
        event_id=InactiveCandidate.event_id_for(FACTOR_SID, last_seen, "2026-11-25"),
        factor_sid=FACTOR_SID,
        service_sid=SERVICE_SID,
        identity=IDENTITY,
        last_seen=last_seen,
        swept_at="2026-11-25T12:00:00Z",
    )


def _inactive_stack() -> Stack:
    stack = Stack(known=push_factor(last_seen="2026-09-01T00:00:00Z"))
    stack.verify.add_factor(SERVICE_SID, IDENTITY, FACTOR_SID, updated=datetime(2026, 9, 1, tzinfo=UTC))
    return stack


# The challenge list is only the latest 50: an answer within INACTIVE_DAYS can fall off its end ------------
def test_an_answer_within_inactive_days_beyond_the_50_listed_challenges_keeps_the_factor():
    """The registry missed the challenge.approved webhook of Nov 1 (within 30 days). Since then 50 challenges
    (an MFA-fatigue burst, say) expired unanswered. Verify lists only the newest 50, so the answer is not read:
    nothing read shows the factor was not seen within INACTIVE_DAYS, and the rule must not call it inactive."""
    stack = _inactive_stack()
    stack.verify.add_challenge(FACTOR_SID, "approved", datetime(2026, 11, 1, tzinfo=UTC))
    burst = datetime(2026, 11, 2, tzinfo=UTC)
    for minute in range(50):
        stack.verify.add_challenge(FACTOR_SID, "expired", burst + timedelta(minutes=minute))
    action = stack.service.handle_inactive_candidate(_candidate())
    assert action.outcome != "deleted" and stack.verify.calls == []
    assert FACTOR in stack.verify.factors


# 2. A pending challenge older than the newest expired ones --------------------------------------------------
def test_a_challenge_still_pending_keeps_the_factor_even_when_newer_ones_expired():
    """Challenges may carry their own ExpirationDate: one sent Nov 25 11:00 with an hour to live is still
    pending at 12:00 while three short-lived ones sent after it have expired. Its answer may still come: the
    decision waits for it (challenge_pending), as it does when the pending one is among the newest."""
    stack = _inactive_stack()
    stack.verify.add_challenge(FACTOR_SID, "pending", datetime(2026, 11, 25, 11, 0, tzinfo=UTC))
    for minute in (1, 2, 3):
        stack.verify.add_challenge(FACTOR_SID, "expired", datetime(2026, 11, 25, 11, minute, tzinfo=UTC))
    action = stack.service.handle_inactive_candidate(_candidate())
    assert (action.outcome, action.reason_code) == ("skipped", "challenge_pending")
    assert stack.verify.calls == []


# 3. An expired challenge that the app did respond to (late) -------------------------------------------------
def test_an_expired_challenge_with_a_response_date_counts_as_life():
    """Verify lists the newest challenge as expired but with date_responded set: the app answered it, late.
    That is a sign of life after every one of the three expired challenges: the factor stays."""
    stack = _inactive_stack()
    for day in (1, 2):
        stack.verify.add_challenge(FACTOR_SID, "expired", datetime(2026, 10, day, tzinfo=UTC))
    late = Challenge(
        "YC" + "a" * 32, "expired", datetime(2026, 10, 3, tzinfo=UTC), datetime(2026, 10, 3, 0, 10, tzinfo=UTC)
    )
    stack.verify.challenges[FACTOR_SID].append(late)
    action = stack.service.handle_inactive_candidate(_candidate())
    assert action.outcome != "deleted" and stack.verify.calls == []


# 4. CLOCK_SKEW applies to the newest expired challenge only, not to each one counted "since last seen" -------
def test_challenges_within_clock_skew_after_last_seen_are_not_counted_as_unanswered_since():
    """The app backend, its clock 4 minutes behind, reports the app opened at 10:00 (really 10:04). Challenges
    created 10:01 and 10:02 went out before that opening and expired; one more, 10:30, expired after it. Life
    within CLOCK_SKEW counts as after the evidence for the newest challenge (decision.py), but the rule counts
    10:01 and 10:02 as 'unanswered since last seen' with no skew: one unanswered challenge, not three."""
    stack = Stack(known=push_factor(last_seen="2026-10-01T10:00:00Z", last_seen_via="app_activity"))
    stack.verify.add_factor(SERVICE_SID, IDENTITY, FACTOR_SID, updated=datetime(2026, 9, 1, tzinfo=UTC))
    for minute in (1, 2, 30):
        stack.verify.add_challenge(FACTOR_SID, "expired", datetime(2026, 10, 1, 10, minute, tzinfo=UTC))
    action = stack.service.handle_inactive_candidate(_candidate("2026-10-01T10:00:00Z"))
    assert (action.outcome, action.reason_code) == ("skipped", "too_few_unanswered")
    assert stack.verify.calls == []


# 5. The inactivity rule is for iOS: an Android (FCM) factor is swept and deleted too -------------------------
def test_the_inactivity_rule_never_deletes_an_fcm_factor():
    """FCM still reports an uninstalled app (UNREGISTERED, an uninstall code): a push it accepted without error
    went to an installed app. Three challenges a user ignored do not make an Android app gone, and the rule
    exists for iOS only (README "The inactivity sweeper (iOS)"). Verify's GET says the factor is fcm."""
    stack = Stack(known=push_factor(last_seen="2026-09-01T00:00:00Z", platform="fcm"))
    stack.verify.add_factor(SERVICE_SID, IDENTITY, FACTOR_SID, platform="fcm", updated=datetime(2026, 9, 1, tzinfo=UTC))
    for day in (1, 2, 3):
        stack.verify.add_challenge(FACTOR_SID, "expired", datetime(2026, 10, day, tzinfo=UTC))
    action = stack.service.handle_inactive_candidate(_candidate())
    assert action.outcome != "deleted" and stack.verify.calls == []


def test_a_factor_with_three_expired_challenges_since_it_was_seen_is_still_deleted():
    """The rule still works: an iOS factor not seen since September whose last three challenges expired."""
    stack = _inactive_stack()
    for day in (1, 2, 3):
        stack.verify.add_challenge(FACTOR_SID, "expired", datetime(2026, 10, day, tzinfo=UTC))
    action = stack.service.handle_inactive_candidate(_candidate())
    assert (action.outcome, action.reason_code) == ("deleted", "inactive") and FACTOR not in stack.verify.factors


def test_a_full_page_reaching_back_past_inactive_days_still_decides():
    """50 challenges listed, the oldest older than INACTIVE_DAYS: no unlisted answer could be recent."""
    stack = _inactive_stack()
    start = datetime(2026, 9, 2, tzinfo=UTC)
    for day in range(50):
        stack.verify.add_challenge(FACTOR_SID, "expired", start + timedelta(days=day))
    action = stack.service.handle_inactive_candidate(_candidate())
    assert (action.outcome, action.reason_code) == ("deleted", "inactive")


def test_an_fcm_row_in_the_sweep_index_is_never_queued():
    """The index leaves Android factors out; a row indexed before that rule (its platform learnt since) is
    skipped by the sweeper itself."""
    from tests.fake_app import fake_app, settings
    from tests.fakes import FakeQueue, FakeRegistry

    class IndexedBeforeTheRule(FakeRegistry):
        def stale_factors(self, service_sid, seen_before, page_size):
            yield push_factor(last_seen="2026-09-01T00:00:00Z", platform="fcm")

    queue = FakeQueue()
    app = fake_app(settings(), registry=IndexedBeforeTheRule(), work_queue=queue)
    report = app.sweeper.sweep()
    assert (report.enqueued, report.kept) == (0, 1) and queue.sent == []
