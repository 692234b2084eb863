"""Property tests of the one decision: over generated evidence, a DELETE is planned exactly when every rule holds.

`make test` runs a fixed, derandomized set; `DECISION_PROFILE=decision-deep` explores new evidence.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from factor_cleanup.domain.decision import (
    GONE_CODES,
    PUSH,
    Cause,
    Decision,
    Evidence,
    ReasonCode,
    Step,
    decide,
)
from factor_cleanup.domain.decision_record import Outcome, iso_utc
from factor_cleanup.domain.factors import FactorRecord
from factor_cleanup.domain.sids import is_verify_identity

settings.register_profile("decision-quick", max_examples=400, deadline=None, derandomize=True)
settings.register_profile("decision-deep", max_examples=20_000, deadline=None)
settings.load_profile(os.environ.get("DECISION_PROFILE", "decision-quick"))

MANAGED, OTHER = "VA" + "a" * 32, "VA" + "e" * 32
FACTOR = "YF" + "b" * 32
IDENTITIES = [
    "user-7f3a-0001",
    "other-user-0002",
    "user-7f3a-0001\n",
    ".",
    "..",
    "short",
    f"u/Factors/{FACTOR}#",
    "a" * 65,
    "user--0001",
]
BASE = datetime(2026, 11, 25, 12, tzinfo=UTC)

moments = st.integers(min_value=-90 * 24, max_value=24).map(lambda hours: BASE + timedelta(hours=hours))
# Each rule a DELETE needs, and how evidence breaks it. Evidence is drawn good on every rule, then broken on a
# few (often none), so both sides of "every rule holds" are explored, not only the common "something is off".
RULES = ("cause", "ids", "service", "factor", "identity", "registry", "deleted", "type", "dated", "alive", "mode")


@st.composite
def evidence(draw: st.DrawFn) -> Evidence:
    broken = draw(st.sets(st.sampled_from(RULES), max_size=3))

    def pick(rule: str, good: st.SearchStrategy, bad: st.SearchStrategy):
        return draw(bad if rule in broken else good)

    evidence_at = pick("dated", moments, st.none())
    code = pick(
        "cause", st.sampled_from(sorted(GONE_CODES)), st.sampled_from([c for c in ReasonCode if c not in GONE_CODES])
    )
    identity = pick("identity", st.sampled_from(IDENTITIES[:1]), st.sampled_from([None, *IDENTITIES[2:]]))
    known = (
        draw(st.none())
        if not ({"registry", "deleted", "alive"} & broken) and draw(st.booleans())
        else FactorRecord(
            factor_sid=FACTOR,
            service_sid=pick("registry", st.sampled_from([None, MANAGED]), st.just(OTHER)),
            identity=pick("registry", st.sampled_from([None, identity]), st.just(IDENTITIES[1])),
            factor_type=draw(st.sampled_from([None, PUSH]))
            if "type" not in broken
            else draw(st.sampled_from(["totp", "passkeys"])),
            status="verified",
            last_seen=iso_utc(pick("alive", _before(evidence_at), _after(evidence_at)))
            if evidence_at or "alive" in broken
            else None,
            deleted_at=pick("deleted", st.none(), moments.map(iso_utc)),
            deleted_by="user" if "deleted" in broken else None,
            delete_intent_event=draw(st.sampled_from([None, "NO-this", "NO-other"])),
        )
    )
    type_given = draw(st.sampled_from([None, PUSH])) if known is None or known.factor_type in (None, PUSH) else None
    return Evidence(
        event_id="NO-this",
        service_sid=pick("service", st.just(MANAGED), st.sampled_from([None, OTHER])),
        identity=identity,
        factor_sid=pick("factor", st.just(FACTOR), st.none()),
        cause=Cause(code, draw(st.text(min_size=1, max_size=20)), evidence_at),
        known=known,
        mode=pick("mode", st.sampled_from(["delete", "report-only"]), st.just("report-only")),
        managed_services=frozenset({MANAGED}),
        ids_problem=pick("ids", st.none(), st.just("correlationIds holds 2 factor SIDs")),
        factor_type=pick("type", st.just(type_given), st.sampled_from(["totp", "passkeys"])),
        reviewed=False if "mode" in broken else draw(st.booleans()),
    )


def _before(moment: datetime | None) -> st.SearchStrategy[datetime]:
    end = moment or BASE
    return st.integers(min_value=0, max_value=60 * 24).map(lambda hours: end - timedelta(hours=hours))


def _after(moment: datetime | None) -> st.SearchStrategy[datetime]:
    start = moment or BASE
    return st.integers(min_value=1, max_value=48).map(lambda hours: start + timedelta(hours=hours))


def every_rule_holds(e: Evidence) -> bool:
    """The brief's list, written out independently of decide()."""
    known, cause = e.known, e.cause
    factor_type = e.factor_type or (known.factor_type if known else None)
    agrees = known is None or ((known.service_sid in (None, e.service_sid)) and (known.identity in (None, e.identity)))
    alive_after = bool(known and known.last_seen and cause.evidence_at and known.last_seen > iso_utc(cause.evidence_at))
    return (
        cause.reason_code in GONE_CODES
        and e.ids_problem is None
        and e.service_sid == MANAGED
        and e.factor_sid is not None
        and e.identity is not None
        and is_verify_identity(e.identity)
        and agrees
        and not (known and known.deleted)
        and factor_type == PUSH
        and cause.evidence_at is not None
        and not alive_after
        and (e.mode == "delete" or e.reviewed)
    )


@given(evidence())
def test_a_delete_is_planned_exactly_when_every_rule_holds(e: Evidence):
    decision = decide(e)
    assert (decision.step is Step.DELETE) == every_rule_holds(e), decision


@given(evidence())
def test_every_decision_carries_a_reason_code_and_a_sentence(e: Evidence):
    decision = decide(e)
    assert isinstance(decision, Decision) and isinstance(decision.reason_code, ReasonCode)
    assert isinstance(decision.outcome, Outcome) and decision.reason.strip()


@given(evidence())
def test_verify_is_asked_only_about_a_factor_it_may_then_delete(e: Evidence):
    """A look-up happens only when the factor's type is the last thing unknown, in a mode that deletes."""
    decision = decide(e)
    if decision.step is Step.LOOK_UP_FACTOR:
        assert e.factor_type is None and (e.known is None or e.known.factor_type is None)
        assert every_rule_holds(Evidence(**{**e.__dict__, "factor_type": PUSH}))


@given(evidence())
def test_a_configuration_error_never_plans_a_delete_whatever_else_holds(e: Evidence):
    configuration = Cause(ReasonCode.CONFIGURATION, "credential failure", e.cause.evidence_at)
    decision = decide(Evidence(**{**e.__dict__, "cause": configuration}))
    assert decision.step is Step.RECORD and decision.outcome is not Outcome.DELETED


@given(evidence())
def test_only_an_ops_reviewed_apply_deletes_in_report_only_mode(e: Evidence):
    unreviewed = Evidence(**{**e.__dict__, "mode": "report-only", "reviewed": False})
    assert decide(unreviewed).step is not Step.DELETE
