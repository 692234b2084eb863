"""Property tests of the one decision: over generated evidence, a DELETE is planned exactly when every rule holds.

`make test` runs a fixed, derandomized set; `DECISION_PROFILE=decision-deep` explores new evidence.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from factor_cleanup.domain.decision import Decision, Step, decide
from factor_cleanup.domain.decision_record import Outcome, iso_utc
from factor_cleanup.domain.evidence import APN, CLOCK_SKEW, PUSH, Cause, Evidence
from factor_cleanup.domain.factors import FactorRecord, VerifyFactor
from factor_cleanup.domain.reason_codes import GONE_CODES, ReasonCode
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
NOW = BASE + timedelta(hours=24)

moments = st.integers(min_value=-90 * 24 * 60, max_value=24 * 60).map(lambda minutes: BASE + timedelta(minutes=minutes))
future = st.integers(min_value=1, max_value=48 * 60).map(lambda minutes: NOW + CLOCK_SKEW + timedelta(minutes=minutes))
# Each rule a DELETE needs, and how evidence breaks it. Evidence is drawn good on every rule, then broken on a
# few (often none), so both sides of "every rule holds" are explored, not only the common "something is off".
RULES = (
    "cause",
    "ids",
    "service",
    "factor",
    "identity",
    "registry",
    "deleted",
    "type",
    "dated",
    "alive",
    "verify",
    "mode",
    "registry_read",
    "ios",
)


@st.composite
def evidence(draw: st.DrawFn) -> Evidence:
    how_many = draw(
        st.sampled_from([0, 0, 1, 1, 1, 1, 2, 3])
    )  # mostly one broken rule: each one alone must stop a DELETE
    broken = set(draw(st.lists(st.sampled_from(RULES), min_size=how_many, max_size=how_many, unique=True)))

    def pick(rule: str, good: st.SearchStrategy, bad: st.SearchStrategy):
        return draw(bad if rule in broken else good)

    evidence_at = pick("dated", moments, st.one_of(st.none(), future))
    code = pick(
        "cause", st.sampled_from(sorted(GONE_CODES)), st.sampled_from([c for c in ReasonCode if c not in GONE_CODES])
    )
    identity = pick("identity", st.sampled_from(IDENTITIES[:1]), st.sampled_from([None, *IDENTITIES[2:]]))
    alive_in = draw(st.sampled_from(["registry", "verify"])) if "alive" in broken else None

    def life(source: str) -> datetime:
        """When `source` last saw the app: after the evidence only where the "alive" rule is broken."""
        return draw(_since(evidence_at) if alive_in == source else _before(evidence_at))

    known = (
        draw(st.none())
        if not ({"registry", "deleted"} & broken) and alive_in != "registry" and draw(st.booleans())
        else FactorRecord(
            factor_sid=FACTOR,
            service_sid=pick("registry", st.sampled_from([None, MANAGED]), st.just(OTHER)),
            identity=pick("registry", st.sampled_from([None, identity]), st.just(IDENTITIES[1])),
            factor_type=draw(st.sampled_from([None, PUSH]))
            if "type" not in broken
            else draw(st.sampled_from([None, "totp", "passkeys"])),
            status="verified",
            platform=pick("ios", st.sampled_from([None, APN]), st.sampled_from([None, "fcm"])),
            last_seen=iso_utc(life("registry")) if evidence_at or alive_in == "registry" else None,
            deleted_at=pick("deleted", st.none(), moments.map(iso_utc)),
            deleted_by="user" if "deleted" in broken else None,
            delete_intent_event=draw(st.sampled_from([None, "NO-this", "NO-other"])),
        )
    )
    service_sid = pick("service", st.just(MANAGED), st.sampled_from([None, OTHER]))
    factor_sid = pick("factor", st.just(FACTOR), st.none())
    verify_factor = (
        draw(st.none())
        if not ({"verify", "type"} & broken) and alive_in != "verify" and draw(st.booleans())
        else VerifyFactor(
            sid=pick("verify", st.just(factor_sid or FACTOR), st.sampled_from([FACTOR, "YF" + "c" * 32])),
            service_sid=pick("verify", st.just(service_sid or MANAGED), st.sampled_from([MANAGED, OTHER])),
            identity=pick("verify", st.just(identity or IDENTITIES[0]), st.sampled_from(IDENTITIES[:2])),
            status="verified",
            factor_type=PUSH
            if "type" not in broken or (known and known.factor_type)
            else draw(st.sampled_from(["totp", "passkeys"])),
            platform=pick("ios", st.just(APN), st.sampled_from(["fcm", "none", None])),
            created_at=BASE - timedelta(days=400),
            updated_at=life("verify"),
        )
    )
    return Evidence(
        event_id="NO-this",
        service_sid=service_sid,
        identity=identity,
        factor_sid=factor_sid,
        cause=Cause(code, draw(st.text(min_size=1, max_size=20).filter(str.strip)), evidence_at),
        known=known,
        mode=pick("mode", st.sampled_from(["delete", "report-only"]), st.just("report-only")),
        managed_services=frozenset({MANAGED}),
        now=NOW,
        ids_problem=pick("ids", st.none(), st.just("correlationIds holds 2 factor SIDs")),
        verify_factor=verify_factor,
        reviewed=False if "mode" in broken else draw(st.booleans()),
        registry_read="registry_read" not in broken,
    )


def _before(moment: datetime | None) -> st.SearchStrategy[datetime]:
    """Life longer ago than CLOCK_SKEW before `moment`: no sign the app outlived the evidence."""
    end = (moment or BASE) - CLOCK_SKEW - timedelta(seconds=1)
    return st.integers(min_value=0, max_value=60 * 24 * 60).map(lambda minutes: end - timedelta(minutes=minutes))


def _since(moment: datetime | None) -> st.SearchStrategy[datetime]:
    """Life after `moment`, at it, or up to CLOCK_SKEW before it (the clocks may differ that much)."""
    start, skew = (moment or BASE) - CLOCK_SKEW, int(CLOCK_SKEW.total_seconds())
    seconds = st.one_of(st.integers(min_value=0, max_value=2 * skew), st.integers(min_value=0, max_value=48 * 3600))
    return seconds.map(lambda s: start + timedelta(seconds=s))


def every_rule_holds(e: Evidence) -> bool:
    """The brief's list, written out independently of decide()."""
    known, cause, factor = e.known, e.cause, e.verify_factor
    agrees = known is None or ((known.service_sid in (None, e.service_sid)) and (known.identity in (None, e.identity)))
    since = (cause.evidence_at - CLOCK_SKEW).replace(microsecond=0) if cause.evidence_at else None
    alive = bool(
        since
        and (
            (known and known.last_seen and known.last_seen >= iso_utc(since)) or (factor and factor.updated_at >= since)
        )
    )
    return (
        cause.reason_code in GONE_CODES
        and e.ids_problem is None
        and e.service_sid == MANAGED
        and e.factor_sid is not None
        and e.identity is not None
        and is_verify_identity(e.identity)
        and agrees
        and not (known and known.deleted)
        and (known is None or known.factor_type in (None, PUSH))
        and factor is not None  # Verify was asked just now ...
        and (factor.sid, factor.service_sid, factor.identity) == (e.factor_sid, e.service_sid, e.identity)
        and factor.factor_type == PUSH  # ... and agrees
        and (  # inactivity is evidence for iOS factors only
            cause.reason_code is not ReasonCode.INACTIVE
            or (factor.platform == APN and (known is None or known.platform in (None, APN)))
        )
        and cause.evidence_at is not None
        and cause.evidence_at <= e.now + CLOCK_SKEW
        and not alive
        and (e.mode == "delete" or e.reviewed)
        and e.registry_read  # nothing else can show life after the evidence
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
    """A look-up happens only when Verify's view is the last thing missing, in a mode that deletes."""
    decision = decide(e)
    if decision.step is Step.LOOK_UP_FACTOR:
        assert e.verify_factor is None
        as_asked = VerifyFactor(
            e.factor_sid, e.service_sid, e.identity, "verified", PUSH, "apn", BASE, BASE - timedelta(days=400)
        )
        assert every_rule_holds(Evidence(**{**e.__dict__, "verify_factor": as_asked}))


@given(evidence())
def test_a_configuration_error_never_plans_a_delete_whatever_else_holds(e: Evidence):
    configuration = Cause(ReasonCode.CONFIGURATION, "credential failure", e.cause.evidence_at)
    decision = decide(Evidence(**{**e.__dict__, "cause": configuration}))
    assert decision.step is Step.RECORD and decision.outcome is not Outcome.DELETED


@given(evidence())
def test_only_an_ops_reviewed_apply_deletes_in_report_only_mode(e: Evidence):
    unreviewed = Evidence(**{**e.__dict__, "mode": "report-only", "reviewed": False})
    assert decide(unreviewed).step is not Step.DELETE
