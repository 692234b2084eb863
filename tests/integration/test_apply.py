"""`apply`: the reviewed `would_delete` decisions, and only those, are decided again and deleted, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from moto import mock_aws

from factor_cleanup.adapters.aws.ledger import DynamoDbLedger
from factor_cleanup.domain.decision_record import DecisionRecord
from factor_cleanup.domain.factors import FactorRecord
from factor_cleanup.domain.messages import InactiveCandidate, PushFailure, parse_message
from factor_cleanup.reports.tally import Period
from factor_cleanup.services.apply import APPLIED, KEPT, OVER_LIMIT, QUEUED, plan, send
from factor_cleanup.services.breaker_ops import reset
from tests.aws import local_aws
from tests.conftest import IDENTITY, SERVICE_SID
from tests.fake_app import fake_app, settings
from tests.fakes import FakeBreakerStore, FakeQueue, FakeRegistry, FakeVerify, FixedClock

OTHER_SERVICE = "VA" + "e" * 32
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WEEK = Period(NOW - timedelta(days=7), NOW + timedelta(seconds=1))


def factor(n: int) -> str:
    return f"YF{n:032x}"


def event(n: int) -> str:
    return f"NO{n:032x}"


def failure(n: int, service: str = SERVICE_SID, **changes) -> PushFailure:
    fields = dict(
        event_id=event(n),
        source="debugger",
        error_code="52103",
        service_sid=service,
        identity=IDENTITY,
        factor_sid=factor(n),
        platform="fcm",
        occurred_at="2026-11-25T10:00:00Z",
    )
    return PushFailure(**{**fields, **changes})


def report_only_service(mode="report-only", factors=range(10), limit=None):
    """A report-only service whose ledger, registry and Verify are fakes; Verify knows `factors` on both services."""
    clock = FixedClock(NOW - timedelta(hours=1))
    verify = FakeVerify({(s, IDENTITY, factor(n)) for n in factors for s in (SERVICE_SID, OTHER_SERVICE)})
    config = settings(
        verify_service_sids=frozenset({SERVICE_SID, OTHER_SERVICE}),
        cleanup_mode=mode,
        max_deletions_per_hour=limit or 100,
    )
    breaker_store = FakeBreakerStore() if limit else None
    cleanup = fake_app(config, verify=verify, clock=clock, registry=FakeRegistry(), breaker_store=breaker_store).cleanup
    return cleanup, verify, clock


def review(cleanup, *numbers, service=SERVICE_SID) -> None:
    for n in numbers:
        assert cleanup.handle_push_failure(failure(n, service)).outcome == "would_delete"


def run_apply(cleanup, clock, **options) -> list:
    """Plan, send, and let the worker decide what was queued (idempotency as the worker's: an id decides once)."""
    clock.advance(minutes=5)
    found = plan(cleanup.ledger, WEEK, **options)
    queue = FakeQueue()
    assert send(found, queue, clock.now()) == []
    return [_decide_once(cleanup, message) for message in queue.sent]


def _decide_once(cleanup, message):
    if message.event_id in cleanup.ledger.rows:
        return cleanup.ledger.rows[message.event_id]
    if isinstance(message, InactiveCandidate):
        return cleanup.handle_inactive_candidate(message)
    return cleanup.handle_push_failure(message)


def test_apply_deletes_what_was_reviewed_and_keeps_a_factor_answered_since():
    cleanup, verify, clock = report_only_service()
    review(cleanup, 1, 2, 3)
    assert verify.calls == []
    cleanup.registry.mark_seen(factor(2), datetime(2026, 11, 25, 10, 30, tzinfo=UTC), "challenge.approved")

    decided = {a.factor_sid: a for a in run_apply(cleanup, clock)}

    assert {sid: (a.outcome, a.reason_code) for sid, a in decided.items()} == {
        factor(1): ("deleted", "uninstalled"),
        factor(2): ("skipped", "alive"),
        factor(3): ("deleted", "uninstalled"),
    }
    assert {a.reviewed_event_id for a in decided.values()} == {event(1), event(2), event(3)}
    assert decided[factor(1)].event_id == f"apply:{event(1)}"
    assert sorted(call[2] for call in verify.calls) == [factor(1), factor(3)]


def test_a_second_apply_applies_nothing_twice():
    cleanup, verify, clock = report_only_service()
    review(cleanup, 1, 2)
    cleanup.registry.mark_seen(factor(2), datetime(2026, 11, 25, 10, 30, tzinfo=UTC), "challenge.approved")
    run_apply(cleanup, clock)
    rows = len(cleanup.ledger.rows)

    again = plan(cleanup.ledger, WEEK)

    assert [(row.reviewed.event_id, row.status) for row in again.rows] == [(event(1), APPLIED), (event(2), KEPT)]
    assert again.to_queue == [] and run_apply(cleanup, clock) == []
    assert len(cleanup.ledger.rows) == rows and len(verify.calls) == 1


def test_only_would_delete_rows_are_applied_and_the_service_filter_holds():
    cleanup, _verify, _clock = report_only_service(mode="delete")
    assert cleanup.handle_push_failure(failure(1)).outcome == "deleted"  # deleted already: nothing to apply
    cleanup.mode = "report-only"
    review(cleanup, 2)
    review(cleanup, 3, service=OTHER_SERVICE)
    cleanup.handle_push_failure(failure(4, error_code="52143"))  # configuration: skipped, never applied
    found = plan(cleanup.ledger, WEEK, services=frozenset({SERVICE_SID}))
    assert [(row.reviewed.event_id, row.status) for row in found.rows] == [(event(2), QUEUED)]
    assert found.by_service() == {SERVICE_SID: {QUEUED: 1}}


def test_limit_queues_the_oldest_and_says_how_many_it_left():
    cleanup, _, clock = report_only_service()
    for n in (1, 2, 3):
        review(cleanup, n)
        clock.advance(seconds=1)
    found = plan(cleanup.ledger, WEEK, limit=2)
    assert [row.status for row in found.rows] == [QUEUED, QUEUED, OVER_LIMIT]
    assert [row.reviewed.event_id for row in found.to_queue] == [event(1), event(2)]


def test_the_breaker_still_holds_back_and_a_later_apply_tries_again_under_a_new_id():
    cleanup, verify, clock = report_only_service(limit=1)
    review(cleanup, 1, 2)
    first = sorted(run_apply(cleanup, clock), key=lambda a: a.factor_sid)
    assert [(a.outcome, a.reason_code) for a in first] == [("deleted", "uninstalled"), ("would_delete", "breaker_open")]
    assert first[1].reviewed_event_id == event(2)

    reset(cleanup.breaker._store, SERVICE_SID, clock.now())
    [retry] = plan(cleanup.ledger, WEEK).to_queue
    assert (retry.reviewed.event_id, retry.attempt) == (event(2), 2)
    [second] = run_apply(cleanup, clock)
    assert (second.event_id, second.outcome) == (f"apply:{event(2)}#2", "deleted")
    assert len(verify.calls) == 2


def test_breaker_reset_replays_a_held_back_apply_as_reviewed():
    cleanup, _verify, clock = report_only_service(limit=1)
    review(cleanup, 1, 2)
    run_apply(cleanup, clock)
    queue = FakeQueue()
    reset(cleanup.breaker._store, SERVICE_SID, clock.now(), cleanup.ledger, queue)
    [replayed] = queue.sent
    assert replayed.reviewed_event_id == event(2) and replayed.occurred_at == "2026-11-25T10:00:00Z"
    assert cleanup.handle_push_failure(replayed).outcome == "deleted"


@pytest.mark.parametrize(
    "forged",
    [
        {"reviewed_event_sid": event(99)},  # no such decision in the ledger
        {
            "reviewed_event_sid": event(1),
            "factor_sid": factor(2),
            "event_id": "apply:x",
        },  # reviewed about another factor
        {"reviewed_event_sid": event(3)},  # reviewed, but kept (skipped), not would_delete
    ],
)
def test_a_review_the_ledger_does_not_confirm_is_decided_unreviewed(forged):
    cleanup, verify, _ = report_only_service()
    review(cleanup, 1)
    cleanup.handle_push_failure(failure(3, error_code="52143"))
    message = failure(2, event_id="apply:forged").model_copy(update=forged)
    action = cleanup.handle_push_failure(message)
    assert (action.outcome, action.reviewed_event_id) == ("would_delete", None) and verify.calls == []


def test_a_reviewed_inactive_candidate_is_judged_again_then_deleted_in_report_only_mode():
    cleanup, verify, clock = report_only_service()
    seen = "2026-09-01T00:00:00Z"
    cleanup.registry.record_factor(
        FactorRecord(factor(1), SERVICE_SID, IDENTITY, "push", "apn", "verified", verified_at=seen, last_seen=seen)
    )
    for days in (30, 20, 10):
        verify.add_challenge(factor(1), "expired", NOW - timedelta(days=days))
    candidate = InactiveCandidate(
        event_id="inactive:1",
        factor_sid=factor(1),
        service_sid=SERVICE_SID,
        identity=IDENTITY,
        last_seen=seen,
        swept_at="2026-11-25T10:00:00Z",
    )
    assert cleanup.handle_inactive_candidate(candidate).outcome == "would_delete"

    [applied] = run_apply(cleanup, clock)

    assert (applied.outcome, applied.reason_code, applied.source) == ("deleted", "inactive", "sweeper")
    assert applied.reviewed_event_id == "inactive:1" and verify.calls == [(SERVICE_SID, IDENTITY, factor(1))]


def test_messages_name_the_reviewed_decision_and_survive_the_queue():
    cleanup, _, clock = report_only_service()
    review(cleanup, 1)
    [row] = plan(cleanup.ledger, WEEK).to_queue
    message = parse_message(row.message(clock.now()).model_dump_json(exclude_none=True))
    assert isinstance(message, PushFailure)
    assert (message.event_id, message.reviewed_event_id, message.occurred_at) == (
        f"apply:{event(1)}",
        event(1),
        "2026-11-25T10:00:00Z",
    )


# --- the command ------------------------------------------------------------------------------------------
@pytest.fixture
def deployed(restore_environ):
    """A deployed stack's ledger and work queue (moto), named the way ops name them: LEDGER_TABLE, QUEUE_URL."""
    with mock_aws():
        aws = local_aws()
        restore_environ.update(LEDGER_TABLE=aws.ledger_table, QUEUE_URL=aws.queue_url)
        ledger = DynamoDbLedger(aws.dynamodb, aws.ledger_table)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for n, outcome in ((1, "would_delete"), (2, "would_delete"), (3, "deleted")):
            ledger.record(
                DecisionRecord(
                    event_sid=event(n),
                    factor_sid=factor(n),
                    service_sid=SERVICE_SID,
                    identity=IDENTITY,
                    error_code="52103",
                    outcome=outcome,
                    reason="r",
                    reason_code="uninstalled",
                    at=now,
                    source="debugger",
                    evidence_at=now,
                )
            )
        yield aws


def test_the_command_dry_run_prints_and_queues_nothing(deployed, capsys):
    from factor_cleanup.__main__ import main

    assert main(["apply", "--since", "1h", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.count(f"queue             {event(1)}") == 1 and event(2) in out and event(3) not in out
    assert f"{SERVICE_SID}: 2 to queue" in out
    assert deployed.queue_depth(deployed.queue_url) == 0


def test_the_command_queues_each_reviewed_decision_once(deployed, capsys):
    from factor_cleanup.__main__ import main

    assert main(["apply", "--since", "1h", "--service", SERVICE_SID, "--limit", "1"]) == 0
    assert f"{SERVICE_SID}: 1 queued, 1 over --limit" in capsys.readouterr().out
    [body] = [m["Body"] for m in deployed.sqs.receive_message(QueueUrl=deployed.queue_url)["Messages"]]
    assert parse_message(body).reviewed_event_id == event(1)


@pytest.mark.parametrize(
    "arguments", [["--since", "7x"], ["--since", "7d", "--service", "VA123"], ["--since", "7d", "--limit", "0"]]
)
def test_the_command_refuses_bad_arguments(arguments, capsys):
    from factor_cleanup.__main__ import main

    assert main(["apply", *arguments]) == 2
    assert capsys.readouterr().err.startswith("push-janitor: ")


def test_the_dynamodb_ledger_gives_back_one_decision_by_its_event(deployed):
    ledger = DynamoDbLedger(deployed.dynamodb, deployed.ledger_table)
    found = ledger.get(event(1))
    assert (found.event_id, found.outcome, found.factor_sid) == (event(1), "would_delete", factor(1))
    assert ledger.get(event(99)) is None
