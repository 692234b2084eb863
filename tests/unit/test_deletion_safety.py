"""The seven ways an outside review found to delete a factor that should stay (issue 11), each closed off."""

from __future__ import annotations

import contextlib
import json

import pytest

from factor_cleanup.domain.breaker import DELETIONS
from factor_cleanup.domain.factors import FactorRecord
from factor_cleanup.domain.ports import VerifyRetryable
from tests.conftest import ACCOUNT_SID, FACTOR_SID, IDENTITY, SERVICE_SID, debugger_params
from tests.fake_app import fake_app, settings
from tests.fakes import FakeBreakerStore, FakeLedger, FakeQueue, FakeRegistry, FakeVerify
from tests.support.push_failure import failure

FACTOR = (SERVICE_SID, IDENTITY, FACTOR_SID)


class Stack:
    """The app over fakes, in delete mode, with a registry and a breaker."""

    def __init__(self, factors=(FACTOR,), known: FactorRecord | None = None, managed=(SERVICE_SID,)) -> None:
        self.verify = FakeVerify(set(factors))
        self.registry = FakeRegistry()
        if known:
            self.registry.rows[known.factor_sid] = known
        self.breaker_store = FakeBreakerStore()
        self.ledger = FakeLedger()
        self.queue = FakeQueue()
        config = settings(
            verify_service_sids=frozenset(managed), max_deletions_per_hour=100, config_error_trip_count=50
        )
        self.app = fake_app(
            config,
            verify=self.verify,
            registry=self.registry,
            breaker_store=self.breaker_store,
            ledger=self.ledger,
            work_queue=self.queue,
        )
        self.service = self.app.cleanup

    def reserved(self) -> int:
        return self.breaker_store.total_since(SERVICE_SID, DELETIONS, "0000")

    def verify_calls(self) -> int:
        return len(self.verify.calls) + len(self.verify.reads)


def push_factor(**changes) -> FactorRecord:
    fields = dict(
        factor_sid=FACTOR_SID,
        service_sid=SERVICE_SID,
        identity=IDENTITY,
        factor_type="push",
        status="verified",
        last_seen="2026-11-01T00:00:00Z",
    )
    return FactorRecord(**{**fields, **changes})


# 1. An undated error -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "timestamp",
    [
        None,
        "",
        "Wed, 25 Nov 2026 11:59:00 +0000",
        "yesterday",
        "2026-11-25T11:59:00",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+14:00",
    ],
)
def test_an_undated_error_never_deletes_even_a_factor_seen_seconds_ago(timestamp):
    stack = Stack(known=push_factor(last_seen="2026-11-25T11:59:58Z"))
    action = stack.service.handle_push_failure(failure(occurred_at=timestamp))
    assert (action.outcome, action.reason_code) == ("skipped", "undated") and stack.verify.calls == []


@pytest.mark.parametrize("timestamp", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"])
def test_a_date_past_the_ends_of_the_calendar_is_a_400_on_every_route(timestamp):
    from tests.support import activity as activity_api
    from tests.support import debugger as debugger_webhook
    from tests.support import verify_webhook

    debugger, queue = debugger_webhook.make_service()
    assert debugger_webhook.post(debugger, debugger_params(Timestamp=timestamp))[0] == 400
    verify, _ = verify_webhook.make_service(queue)
    params = verify_webhook.webhook(challenge_date_responded=timestamp)
    assert verify_webhook.post_form(verify, params)[0] == 400
    assert verify_webhook.post_json(verify, json.dumps(params))[0] == 400
    activity, _ = activity_api.make_service(queue)
    assert activity_api.post(activity, activity_api.report(occurred_at=timestamp))[0] == 400
    assert queue.sent == []


def test_an_event_streams_error_log_past_the_calendar_is_rejected_not_queued():
    from factor_cleanup.intake.event_streams import parse_batch

    log = {
        "specversion": "1.0",
        "type": "com.twilio.error-logs.error.logged",
        "id": "CE" + "0" * 32,
        "source": "x",
        "data": {
            "sid": "NO" + "2" * 32,
            "account_sid": ACCOUNT_SID,
            "date_created": "9999-12-31T23:59:59-12:00",
            "error_code": "52103",
            "payload": json.dumps(json.loads(debugger_params()["Payload"])),
        },
    }
    batch = parse_batch(json.dumps([log]))
    assert batch.failures == [] and [r["id"] for r in batch.rejected] == ["CE" + "0" * 32]


# 2. Non-push factors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("factor_type", ["totp", "passkeys"])
def test_a_push_error_naming_a_non_push_factor_known_to_the_registry_deletes_nothing(factor_type):
    stack = Stack(known=push_factor(factor_type=factor_type))
    action = stack.service.handle_push_failure(failure())
    assert (action.outcome, action.reason_code) == ("skipped", "not_push") and stack.verify_calls() == 0


@pytest.mark.parametrize("factor_type", ["totp", "passkeys"])
def test_when_the_registry_does_not_know_the_type_verify_is_asked_before_any_delete(factor_type):
    stack = Stack()
    stack.verify.add_factor(SERVICE_SID, IDENTITY, FACTOR_SID, factor_type=factor_type)
    action = stack.service.handle_push_failure(failure())
    assert (action.outcome, action.reason_code) == ("skipped", "not_push")
    assert stack.verify.calls == [] and stack.verify.reads == [("fetch_factor", FACTOR_SID)] and stack.reserved() == 0


def test_a_verified_totp_factor_is_never_a_sweep_candidate():
    stack = Stack()
    stack.registry.record_factor(push_factor(factor_type="totp", last_seen="2026-01-01T00:00:00Z"))
    stack.registry.record_factor(push_factor(factor_sid="YF" + "9" * 32, last_seen="2026-01-01T00:00:00Z"))
    stack.app.sweeper.sweep()
    assert [m.factor_sid for m in stack.queue.sent] == ["YF" + "9" * 32]


# 4. The registry and a 404 under the wrong identity --------------------------------------------------------
def test_a_factor_the_registry_knows_under_another_identity_is_not_touched():
    stack = Stack(known=push_factor(identity="real-owner-0001"))
    action = stack.service.handle_push_failure(failure(identity="someone-else-01"))
    assert (action.outcome, action.reason_code) == ("skipped", "identity_mismatch") and stack.verify_calls() == 0
    assert not stack.registry.rows[FACTOR_SID].deleted


def test_a_factor_the_registry_knows_under_another_service_is_not_touched():
    other = "VA" + "e" * 32
    stack = Stack(known=push_factor(service_sid=other), managed=(SERVICE_SID, other))
    action = stack.service.handle_push_failure(failure())
    assert (action.outcome, action.reason_code) == ("skipped", "identity_mismatch") and stack.verify_calls() == 0


def test_a_404_for_a_factor_the_registry_does_not_know_marks_nothing_deleted():
    stack = Stack(factors=())
    action = stack.service.handle_push_failure(failure())
    assert action.outcome == "already_gone"
    assert FACTOR_SID not in stack.registry.rows or not stack.registry.rows[FACTOR_SID].deleted


def test_a_404_where_the_registry_agrees_marks_the_factor_deleted():
    stack = Stack(factors=(), known=push_factor())
    action = stack.service.handle_push_failure(failure())
    assert action.outcome == "already_gone" and stack.registry.rows[FACTOR_SID].deleted_by == "user"


# 5. Identities that are path segments ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "identity",
    [
        ".",
        "..",
        f"u/Factors/{FACTOR_SID}#",
        "short",
        "a" * 65,
        "user--0001",
        "-user-00001",
        "user 0001x",
        "usér-00001",
        "user-0001\n",
    ],
)
def test_an_identity_that_is_not_a_verify_identity_never_reaches_verify(identity):
    stack = Stack(factors={(SERVICE_SID, identity, FACTOR_SID)})
    action = stack.service.handle_push_failure(failure(identity=identity))
    assert (action.outcome, action.reason_code) == ("skipped", "invalid_identity") and stack.verify_calls() == 0


# 6. Lost outcomes ---------------------------------------------------------------------------------------------
def test_a_delete_whose_answer_is_lost_keeps_its_breaker_place_and_its_retry_records_deleted():
    stack = Stack(known=push_factor())
    stack.verify.delete_factor = _deletes_then_times_out(stack.verify)  # Verify deleted it; the answer was lost
    with pytest.raises(VerifyRetryable):
        stack.service.handle_push_failure(failure())
    assert stack.reserved() == 1 and FACTOR not in stack.verify.factors
    assert stack.registry.rows[FACTOR_SID].delete_intent_event == "NO" + "1" * 32
    retry = stack.service.handle_push_failure(failure())  # the queue brings the same event back
    assert (retry.outcome, retry.reason_code) == ("deleted", "uninstalled") and stack.reserved() == 1
    assert stack.registry.rows[FACTOR_SID].deleted_by == "push-janitor"


def test_a_delete_that_breaks_in_an_unforeseen_way_keeps_its_breaker_place():
    """Verify deleted the factor, then something no one mapped went wrong: it may have been deleted, so it counts."""
    stack = Stack(known=push_factor())
    real = stack.verify.delete_factor

    def delete_factor(service_sid: str, identity: str, factor_sid: str) -> None:
        real(service_sid, identity, factor_sid)
        raise RuntimeError("an answer nobody foresaw")

    stack.verify.delete_factor = delete_factor
    with pytest.raises(RuntimeError):
        stack.service.handle_push_failure(failure())
    assert FACTOR not in stack.verify.factors and stack.reserved() == 1


def test_a_failed_intent_write_gives_its_breaker_place_back_and_sends_no_delete():
    stack = Stack(known=push_factor())
    stack.registry.mark_delete_intent = _fails
    with pytest.raises(RuntimeError):
        stack.service.handle_push_failure(failure())
    assert stack.reserved() == 0 and stack.verify.calls == [] and FACTOR in stack.verify.factors


def test_a_429_leaves_no_intent_that_later_claims_a_users_deletion():
    """The DELETE met a 429 (not processed, by definition), then the user removed the factor themselves.
    The queue brings the same event back: its GET meets a 404, and the 429's leftover intent must not make
    that `deleted` by push-janitor."""
    stack = Stack(known=push_factor())
    stack.verify.delete_errors.append(VerifyRetryable("HTTP 429", maybe_done=False))
    with pytest.raises(VerifyRetryable):
        stack.service.handle_push_failure(failure())
    assert FACTOR in stack.verify.factors and stack.reserved() == 0  # nothing deleted, place given back
    stack.verify.factors.discard(FACTOR)  # the user deletes the factor in their app
    retry = stack.service.handle_push_failure(failure())
    assert retry.outcome == "already_gone"
    assert stack.registry.rows[FACTOR_SID].deleted_by == "user"


def test_a_429_gives_its_breaker_place_back():
    stack = Stack(known=push_factor())
    stack.verify.delete_errors.append(VerifyRetryable("HTTP 429", maybe_done=False))
    with pytest.raises(VerifyRetryable):
        stack.service.handle_push_failure(failure())
    assert stack.reserved() == 0 and FACTOR in stack.verify.factors


def test_another_events_404_stays_already_gone():
    stack = Stack(factors=(), known=push_factor(delete_intent_event="NO" + "7" * 32))
    action = stack.service.handle_push_failure(failure())
    assert action.outcome == "already_gone"


# Two events about one factor, in flight at once (issue 12's flaky fault run): at most one of them is `deleted`.
FIRST, SECOND = "NO" + "a" * 32, "NO" + "b" * 32


def _run_first_inside(stack: Stack, event_id: str, answer: Exception | None = None):
    """Verify's next DELETE first lets the whole attempt of `event_id` run, then answers `answer` or goes on."""
    real = stack.verify.delete_factor

    def delete_factor(service_sid: str, identity: str, factor_sid: str) -> None:
        stack.verify.delete_factor = real  # once
        with contextlib.suppress(VerifyRetryable):  # that attempt failed; its message would come back later
            stack.service.handle_push_failure(failure(event_id=event_id))
        if answer:
            raise answer
        real(service_sid, identity, factor_sid)

    stack.verify.delete_factor = delete_factor


def test_an_event_whose_delete_failed_while_another_deleted_the_factor_is_already_gone():
    """FIRST notes its intent, SECOND notes its own and meets a 503; FIRST's DELETE goes through; SECOND retries."""
    stack = Stack(known=push_factor())
    _run_first_inside(stack, SECOND, answer=None)
    stack.verify.delete_errors.append(VerifyRetryable("HTTP 503"))  # SECOND's DELETE, sent from inside FIRST's
    assert stack.service.handle_push_failure(failure(event_id=FIRST)).outcome == "deleted"
    retry = stack.service.handle_push_failure(failure(event_id=SECOND))
    assert retry.outcome == "already_gone" and stack.ledger.rows[FIRST].outcome == "deleted"


def test_a_lost_registry_write_does_not_let_the_other_event_claim_the_deletion():
    """As above, but FIRST's registry write after its 204 fails: SECOND's retry meets a 404 and still is not `deleted`."""
    stack = Stack(known=push_factor())
    _run_first_inside(stack, SECOND, answer=None)
    stack.verify.delete_errors.append(VerifyRetryable("HTTP 503"))
    stack.registry.mark_deleted = _fails  # the write after FIRST's 204 is lost
    assert stack.service.handle_push_failure(failure(event_id=FIRST)).outcome == "deleted"
    del stack.registry.mark_deleted
    assert stack.service.handle_push_failure(failure(event_id=SECOND)).outcome == "already_gone"


def test_a_retry_that_meets_a_404_reads_who_else_was_deleting_since_it_started():
    """FIRST's earlier try noted its intent and got a 503; as its retry is about to DELETE, SECOND deletes the factor."""
    stack = Stack(known=push_factor())
    stack.verify.delete_errors.append(VerifyRetryable("HTTP 503"))
    with pytest.raises(VerifyRetryable):
        stack.service.handle_push_failure(failure(event_id=FIRST))
    _run_first_inside(stack, SECOND)  # SECOND runs whole inside FIRST's retry's DELETE, which then meets a 404
    assert stack.service.handle_push_failure(failure(event_id=FIRST)).outcome == "already_gone"
    assert stack.ledger.rows[SECOND].outcome == "deleted"


def _fails(*_args, **_kwargs) -> None:
    raise RuntimeError("DynamoDB UpdateItem failed (injected)")


def _deletes_then_times_out(verify: FakeVerify):
    real = verify.delete_factor

    def delete_factor(service_sid: str, identity: str, factor_sid: str) -> None:
        verify.delete_factor = real  # once
        real(service_sid, identity, factor_sid)
        raise VerifyRetryable("read timeout after the request was sent")

    return delete_factor


# 7. Unknown signature algorithms --------------------------------------------------------------------------------
@pytest.mark.parametrize("algorithm", ["MD5", "HMAC_SHA512", "nonsense"])
def test_an_unknown_signature_algorithm_is_a_403_not_a_500(algorithm):
    from tests.support import debugger as debugger_webhook
    from tests.support import verify_webhook

    header = {"X-Twilio-Webhooks-Signature-Settings": f"algorithm={algorithm}"}
    debugger, queue = debugger_webhook.make_service()
    status, body = debugger_webhook.post(debugger, debugger_params(), signature="c2lnbmVk", headers=header)
    assert (status, body["error"]) == (403, "invalid_signature")
    verify, _ = verify_webhook.make_service(queue)
    from urllib.parse import urlencode

    from factor_cleanup.intake.http import HttpRequest
    from factor_cleanup.local.events import api_gateway_event

    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "c2lnbmVk", **header}
    event = api_gateway_event("POST", "/twilio/verify", body=urlencode(verify_webhook.webhook()), headers=headers)
    response = verify.handle(HttpRequest.from_api_gateway(event))
    assert (response.status, response.body["error"]) == (403, "invalid_signature") and queue.sent == []
