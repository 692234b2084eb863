"""Life near the evidence: the registry's precision, clocks that differ, evidence from the future, and Verify's
own record of the factor. Each test here failed before the rule it names (an outside review, second round)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from factor_cleanup.domain.messages import InactiveCandidate
from factor_cleanup.intake.verify_webhook import parse_verify_webhook, to_verify_event
from tests.conftest import FACTOR_SID, IDENTITY, SERVICE_SID
from tests.support.push_failure import failure
from tests.support.verify_webhook import webhook
from tests.unit.test_deletion_safety import FACTOR, Stack, push_factor

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # the fake clock's time


# last_seen is kept to the second: life in the error's own second may have come after it --------------------
def test_an_answer_in_the_same_second_as_the_error_but_after_it_keeps_the_factor():
    """The error at 11:59:00.300, the app answers a challenge at 11:59:00.700: the registry stores 11:59:00Z."""
    stack = Stack(known=push_factor(last_seen="2026-11-01T00:00:00Z"))
    answered = webhook(challenge_date_responded="2026-11-25T11:59:00.700Z")
    stack.app.tracker.apply_verify_event(to_verify_event(parse_verify_webhook(answered), received_at=NOW))
    action = stack.service.handle_push_failure(failure(occurred_at="2026-11-25T11:59:00.300Z"))
    assert (action.outcome, action.reason_code) == ("skipped", "alive") and stack.verify.calls == []


def test_last_seen_equal_to_the_error_time_keeps_the_factor():
    stack = Stack(known=push_factor(last_seen="2026-11-25T11:59:00Z"))
    action = stack.service.handle_push_failure(failure(occurred_at="2026-11-25T11:59:00Z"))
    assert (action.outcome, action.reason_code) == ("skipped", "alive") and stack.verify.calls == []


# Evidence dated ahead of now: every sign of life so far would look older than it -----------------------------
@pytest.mark.parametrize("occurred_at", ["2026-11-25T12:00:30Z", "2026-11-26T12:00:00Z", "2030-01-01T00:00:00Z"])
def test_an_error_dated_in_the_future_never_deletes_a_factor_seen_seconds_ago(occurred_at):
    stack = Stack(known=push_factor(last_seen="2026-11-25T11:59:58Z"))  # the app answered 2 s ago
    action = stack.service.handle_push_failure(failure(occurred_at=occurred_at))
    assert action.outcome == "skipped" and action.reason_code in ("future_dated", "alive")
    assert stack.verify.calls == [] and FACTOR in stack.verify.factors


@pytest.mark.parametrize("occurred_at", ["2026-11-25T12:06:00Z", "2026-11-26T12:00:00Z", "2030-01-01T00:00:00Z"])
def test_an_error_dated_beyond_the_clock_skew_ahead_is_future_dated(occurred_at):
    stack = Stack(known=push_factor(last_seen="2026-10-01T00:00:00Z"))  # long silent: only the date is wrong
    action = stack.service.handle_push_failure(failure(occurred_at=occurred_at))
    assert (action.outcome, action.reason_code) == ("skipped", "future_dated") and stack.verify.calls == []


def test_an_error_a_little_ahead_of_our_clock_still_counts():
    """Twilio's clock 2 minutes ahead of ours: within CLOCK_SKEW, the evidence is good."""
    stack = Stack(known=push_factor(last_seen="2026-10-01T00:00:00Z"))
    action = stack.service.handle_push_failure(failure(occurred_at="2026-11-25T12:02:00Z"))
    assert (action.outcome, action.reason_code) == ("deleted", "uninstalled")


# Verify's own record: the app updated its factor after the evidence ------------------------------------------
def test_a_factor_the_app_updated_after_the_error_is_kept():
    """FCM rotated the token: the push to the old one fails at 11:59 (52103); at 11:59:30 the app updates the
    factor with its new token. Verify's factor shows date_updated 11:59:30: the app is there."""
    stack = Stack(known=push_factor(last_seen="2026-11-01T00:00:00Z"))
    stack.verify.add_factor(SERVICE_SID, IDENTITY, FACTOR_SID, updated=datetime(2026, 11, 25, 11, 59, 30, tzinfo=UTC))
    action = stack.service.handle_push_failure(failure(occurred_at="2026-11-25T11:59:00Z"))
    assert (action.outcome, action.reason_code) == ("skipped", "alive") and stack.verify.calls == []


def test_verify_is_read_before_every_delete_even_when_the_registry_knows_the_type():
    stack = Stack(known=push_factor(last_seen="2026-11-01T00:00:00Z"))
    action = stack.service.handle_push_failure(failure(occurred_at="2026-11-25T11:59:00Z"))
    assert action.outcome == "deleted" and stack.verify.reads == [("fetch_factor", FACTOR_SID)]


def test_a_factor_verify_holds_under_another_identity_is_not_deleted():
    """Verify's answer names another owner than the event (a proxy, a bug, a renamed entity): no DELETE."""
    stack = Stack(known=push_factor(last_seen="2026-11-01T00:00:00Z", identity=None, service_sid=None))
    stack.verify.add_factor(SERVICE_SID, IDENTITY, FACTOR_SID)
    stack.verify.details[FACTOR_SID] = replace(stack.verify.details[FACTOR_SID], identity="someone-else-0001")
    action = stack.service.handle_push_failure(failure(occurred_at="2026-11-25T11:59:00Z"))
    assert (action.outcome, action.reason_code) == ("skipped", "identity_mismatch") and stack.verify.calls == []


def test_report_only_mode_still_makes_no_verify_call():
    stack = Stack(known=push_factor(last_seen="2026-11-01T00:00:00Z"))
    stack.service.mode = "report-only"
    action = stack.service.handle_push_failure(failure(occurred_at="2026-11-25T11:59:00Z"))
    assert action.outcome == "would_delete" and stack.verify_calls() == 0


def test_an_inactive_candidate_whose_factor_the_app_updated_after_its_challenges_expired_is_kept():
    """Three challenges went to a dead token and expired (Oct 1-3); on Nov 20 the app updated the factor with a
    new token: the sweeper's GET of the factor returns that date_updated."""
    stack = Stack(known=push_factor(last_seen="2026-09-01T00:00:00Z"))
    stack.verify.add_factor(SERVICE_SID, IDENTITY, FACTOR_SID, updated=datetime(2026, 11, 20, tzinfo=UTC))
    for day in (1, 2, 3):
        stack.verify.add_challenge(FACTOR_SID, "expired", datetime(2026, 10, day, tzinfo=UTC))
    action = stack.service.handle_inactive_candidate(_candidate())
    assert action.outcome == "skipped" and action.reason_code == "alive" and stack.verify.calls == []


def test_an_update_between_expired_challenges_resets_the_count():
    """Updated Oct 2 (a new token), then one more challenge expired: one unanswered since, the rule needs 3."""
    stack = Stack(known=push_factor(last_seen="2026-09-01T00:00:00Z"))
    stack.verify.add_factor(SERVICE_SID, IDENTITY, FACTOR_SID, updated=datetime(2026, 10, 2, 12, tzinfo=UTC))
    for day in (1, 2, 3):
        stack.verify.add_challenge(FACTOR_SID, "expired", datetime(2026, 10, day, tzinfo=UTC))
    action = stack.service.handle_inactive_candidate(_candidate())
    assert (action.outcome, action.reason_code) == ("skipped", "too_few_unanswered") and stack.verify.calls == []


def test_verify_date_updated_in_the_evidences_second_minus_skew_counts_as_life_as_the_registrys_does():
    """Evidence at 11:59:00.9; life at 11:54:00 (second precision, as Verify and the registry both keep it) may
    have come at 11:54:00.95, within CLOCK_SKEW before the evidence. The registry's last_seen counts it (ALIVE);
    Verify's date_updated, the same moment, must count too."""
    registry_says = Stack(known=push_factor(last_seen="2026-11-25T11:54:00Z"))
    kept = registry_says.service.handle_push_failure(failure(occurred_at="2026-11-25T11:59:00.900Z"))
    assert (kept.outcome, kept.reason_code) == ("skipped", "alive")

    verify_says = Stack(known=push_factor(last_seen="2026-11-01T00:00:00Z"))
    verify_says.verify.add_factor(
        SERVICE_SID, IDENTITY, FACTOR_SID, updated=datetime(2026, 11, 25, 11, 54, 0, tzinfo=UTC)
    )
    action = verify_says.service.handle_push_failure(failure(occurred_at="2026-11-25T11:59:00.900Z"))
    assert (action.outcome, action.reason_code) == ("skipped", "alive")
    assert verify_says.verify.calls == [] and FACTOR in verify_says.verify.factors


# Races: life the registry records while Verify is read, just before the DELETE ----------------------------


def test_life_the_registry_records_while_verify_is_read_keeps_the_factor():
    """The GET before the DELETE is the slow part (Verify slots, a 10 s timeout). While it runs, the app answers a
    challenge and the registry's last_seen moves past the evidence. The DELETE must not go out on the registry
    row read before the GET."""
    stack = Stack(known=push_factor())
    real = stack.verify.fetch_factor

    def fetch_factor(service_sid: str, identity: str, factor_sid: str):
        answered = datetime(2026, 11, 25, 11, 59, 30, tzinfo=UTC)  # after the 11:59:00 error
        stack.registry.mark_seen(factor_sid, answered, "challenge.approved")
        return real(service_sid, identity, factor_sid)

    stack.verify.fetch_factor = fetch_factor
    action = stack.service.handle_push_failure(failure())
    assert (action.outcome, action.reason_code) == ("skipped", "alive")
    assert stack.verify.calls == [] and FACTOR in stack.verify.factors


def test_an_app_open_reported_while_the_sweeper_reads_verify_keeps_the_factor():
    """The sweeper's candidate: three challenges expired in October, last seen in September. While the worker
    reads Verify, the customer's backend reports an app open (last_seen moves to 11:59 today). No DELETE."""
    stack = Stack(known=push_factor(last_seen="2026-09-01T00:00:00Z"))
    stack.verify.add_factor(SERVICE_SID, IDENTITY, FACTOR_SID, updated=datetime(2026, 9, 1, tzinfo=UTC))
    for day in (1, 2, 3):
        stack.verify.add_challenge(FACTOR_SID, "expired", datetime(2026, 10, day, tzinfo=UTC))
    real = stack.verify.fetch_factor

    def fetch_factor(service_sid: str, identity: str, factor_sid: str):
        stack.registry.mark_seen(factor_sid, datetime(2026, 11, 25, 11, 59, tzinfo=UTC), "app_activity")
        return real(service_sid, identity, factor_sid)

    stack.verify.fetch_factor = fetch_factor
    action = stack.service.handle_inactive_candidate(_candidate())
    assert action.outcome == "skipped" and stack.verify.calls == [] and FACTOR in stack.verify.factors


def _candidate() -> InactiveCandidate:
    return InactiveCandidate(
        event_id=InactiveCandidate.event_id_for(FACTOR_SID, "2026-09-01T00:00:00Z", "2026-11-25"),
        factor_sid=FACTOR_SID,
        service_sid=SERVICE_SID,
        identity=IDENTITY,
        last_seen="2026-09-01T00:00:00Z",
        swept_at="2026-11-25T12:00:00Z",
    )
