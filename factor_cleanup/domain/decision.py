"""The one decision about a factor: evidence in, a Decision out. No I/O, no clock, no adapters.

A DELETE is planned only when every one of these holds:
- the evidence says the app is gone (an uninstall error code, or the inactivity rule for an iOS factor);
- the Verify Service is managed, the factor is a push factor, and the identity is a Verify identity
  that agrees with the registry wherever the registry knows the factor;
- the evidence has a readable time, not ahead of now, and nothing showed life after it (within CLOCK_SKEW);
- Verify's own view of the factor, read just before the DELETE, agrees: a push factor, under this service and
  identity, not updated since the evidence;
- the mode is `delete`, or ops reviewed this very decision (`apply`); and a factor registry was read.
Anything else is a record with a ReasonCode. The executor (cleanup.py) performs the effects and maps
what Verify and the breaker answered back through the functions at the end of this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from factor_cleanup.domain.decision_record import Outcome, iso_utc
from factor_cleanup.domain.evidence import APN, CLOCK_SKEW, PUSH, Cause, Evidence
from factor_cleanup.domain.factors import VerifyFactor
from factor_cleanup.domain.reason_codes import ReasonCode
from factor_cleanup.domain.sids import is_verify_identity


class Step(str, Enum):
    """What the executor does next."""

    RECORD = "record"  # write the decision to the ledger; done
    LOOK_UP_FACTOR = "look_up_factor"  # ask Verify for the factor (type, owner, last update), then decide again
    DELETE = "delete"  # reserve with the breaker, write the intent, DELETE, then map the answer


@dataclass(frozen=True)
class Decision:
    step: Step
    outcome: Outcome
    reason_code: ReasonCode
    reason: str


def decide(evidence: Evidence) -> Decision:
    """The first rule that keeps the factor wins; only when none does is a DELETE planned."""
    return (
        _names_one_factor_of_ours(evidence)
        or _cause_keeps(evidence.cause)
        or _factor_problem(evidence)
        or _evidence_problem(evidence)
        or _verify_problem(evidence)
        or _plan(evidence)
    )


def precheck(evidence: Evidence) -> Decision | None:
    """The checks that need no Verify call, for a caller about to read Verify (an inactive candidate)."""
    return (
        _names_one_factor_of_ours(evidence)
        or _factor_problem(evidence)
        or _verify_problem(evidence, verify_read_next=True)
    )


def _names_one_factor_of_ours(evidence: Evidence) -> Decision | None:
    if evidence.ids_problem or not (evidence.service_sid and evidence.factor_sid and evidence.identity):
        return _skip(
            ReasonCode.AMBIGUOUS_IDS, evidence.ids_problem or "the event does not name service, identity and factor"
        )
    if evidence.service_sid not in evidence.managed_services:
        return _skip(
            ReasonCode.UNMANAGED_SERVICE, f"Verify Service {evidence.service_sid} is not in VERIFY_SERVICE_SIDS"
        )
    return None


def _cause_keeps(cause: Cause) -> Decision | None:
    return None if cause.says_gone else _skip(cause.reason_code, cause.reason)


def _factor_problem(evidence: Evidence) -> Decision | None:
    known, identity = evidence.known, evidence.identity or ""
    if not is_verify_identity(identity):  # never part of a Verify URL otherwise
        return _skip(
            ReasonCode.INVALID_IDENTITY,
            f"identity {identity!r} is not a Verify identity "
            "(8-64 dash-separated letters and digits); no Verify URL is built from it",
        )
    mismatch = _registry_disagrees(evidence)
    if mismatch:
        return _skip(ReasonCode.IDENTITY_MISMATCH, mismatch)
    if known and known.deleted:
        return already_deleted(evidence)
    return None


def _verify_problem(evidence: Evidence, verify_read_next: bool = False) -> Decision | None:
    """Last of the checks: the only one that may cost a Verify call. Before a DELETE, Verify itself is asked."""
    factor_type = evidence.factor_type
    if factor_type is not None and factor_type != PUSH:
        return _skip(
            ReasonCode.NOT_PUSH, f"{evidence.factor_sid} is a {factor_type} factor; only push factors are cleaned up"
        )
    not_ios = _not_ios(evidence)
    if not_ios:
        return not_ios
    if evidence.verify_factor is not None:
        mismatch = _verify_disagrees(evidence, evidence.verify_factor)
        return _skip(ReasonCode.IDENTITY_MISMATCH, mismatch) if mismatch else None
    if verify_read_next or not _may_delete(evidence):
        return None  # report-only: no Verify call now; an apply decides again and looks it up then
    return Decision(Step.LOOK_UP_FACTOR, Outcome.SKIPPED, evidence.cause.reason_code, evidence.cause.reason)


def _not_ios(evidence: Evidence) -> Decision | None:
    """Inactivity is evidence for iOS only, where APNs no longer reports uninstalls; FCM still reports them, so
    a silent Android factor is not a dead one. Verify must name the factor an APNs one before a DELETE."""
    if evidence.cause.reason_code is not ReasonCode.INACTIVE:
        return None
    known, factor = evidence.known, evidence.verify_factor
    said = [platform for platform in (factor and factor.platform, known and known.platform) if platform]
    other = next((platform for platform in said if platform != APN), None)
    if other or (factor is not None and factor.platform != APN):
        return _skip(ReasonCode.NOT_IOS, f"a {other or 'no-platform'} factor: the inactivity rule is for iOS only")
    return None


def _verify_disagrees(evidence: Evidence, factor: VerifyFactor) -> str | None:
    asked = (evidence.factor_sid, evidence.service_sid, evidence.identity)
    if (factor.sid, factor.service_sid, factor.identity) != asked:
        return f"Verify returned {factor.sid} under {factor.service_sid}/{factor.identity!r}, not the factor asked for"
    return None


def _evidence_problem(evidence: Evidence) -> Decision | None:
    cause, known, factor = evidence.cause, evidence.known, evidence.verify_factor
    if cause.evidence_at is None:
        return _skip(ReasonCode.UNDATED, "the evidence has no readable time, so life after it cannot be ruled out")
    if cause.evidence_at > evidence.now + CLOCK_SKEW:
        return _skip(
            ReasonCode.FUTURE_DATED,
            f"the evidence is dated {iso_utc(cause.evidence_at)}, ahead of now ({iso_utc(evidence.now)}): "
            "every sign of life so far would look older than it",
        )
    since = (cause.evidence_at - CLOCK_SKEW).replace(microsecond=0)  # registry and Verify keep seconds
    if known and known.seen_since(since):
        return _skip(
            ReasonCode.ALIVE,
            f"seen alive at {known.last_seen} ({known.last_seen_via or 'registry'}), after (or within "
            f"{_minutes(CLOCK_SKEW)} before) the evidence at {iso_utc(cause.evidence_at)}: the app is still there",
        )
    if factor and factor.updated_at >= since:
        return _skip(
            ReasonCode.ALIVE,
            f"Verify shows the factor updated at {iso_utc(factor.updated_at)} (a new push token, say), after (or "
            f"within {_minutes(CLOCK_SKEW)} before) the evidence at {iso_utc(cause.evidence_at)}",
        )
    return None


def _minutes(span: timedelta) -> str:
    return f"{round(span / timedelta(minutes=1))} min"


def _plan(evidence: Evidence) -> Decision:
    cause = evidence.cause
    if _asks_to_delete(evidence) and not evidence.registry_read:
        return _skip(
            ReasonCode.NO_REGISTRY,
            "no factor registry is configured (REGISTRY_TABLE), so life after the evidence cannot be ruled out",
        )
    if not _may_delete(evidence):
        return _record(Outcome.WOULD_DELETE, cause.reason_code, f"{cause.reason} (report-only mode)")
    return Decision(Step.DELETE, Outcome.DELETED, cause.reason_code, cause.reason)


def _asks_to_delete(evidence: Evidence) -> bool:
    return evidence.mode == "delete" or evidence.reviewed


def _may_delete(evidence: Evidence) -> bool:
    return _asks_to_delete(evidence) and evidence.registry_read


def _registry_disagrees(evidence: Evidence) -> str | None:
    known = evidence.known
    if known is None:
        return None
    if known.service_sid and known.service_sid != evidence.service_sid:
        return f"the registry has {evidence.factor_sid} under Verify Service {known.service_sid}, not {evidence.service_sid}"
    if known.identity and known.identity != evidence.identity:
        return f"the registry has {evidence.factor_sid} under another identity than {evidence.identity!r}"
    return None


def registry_agrees(evidence: Evidence) -> bool:
    """The registry knows the factor, under this service and identity: a 404 then proves it gone for everyone."""
    known = evidence.known
    return bool(known and known.service_sid == evidence.service_sid and known.identity == evidence.identity)


def deleted_by_this_event(evidence: Evidence) -> bool:
    """Was the factor's deletion this event's own? The registry's `deleted_event` (a 204's) says so when written;
    else this event's intent, if no other event noted one too: two intents leave no way to tell whose DELETE
    went through, and a `deleted` claimed by both would count one deletion twice."""
    known = evidence.known
    if known is None:
        return False
    if known.deleted_event:
        return known.deleted_event == evidence.event_id
    return known.delete_intent_event == evidence.event_id and not known.delete_intent_contested


def already_deleted(evidence: Evidence) -> Decision:
    """The registry records the factor deleted. By this very event (its intent or its DELETE)? Then an earlier
    try of it deleted the factor and lost its answer or its ledger write: the decision is still `deleted`."""
    known, cause = evidence.known, evidence.cause
    if deleted_by_this_event(evidence):
        return _record(Outcome.DELETED, cause.reason_code, f"{cause.reason}; deleted by an earlier try of this event")
    confirmed = ", confirmed by Verify" if known and known.deletion_confirmed else ""
    by = f"at {known.deleted_at} by {known.deleted_by}" if known else ""
    return _record(
        Outcome.ALREADY_GONE,
        cause.reason_code,
        f"{cause.reason}; the factor registry records it deleted {by}{confirmed}, so Verify was not called",
    )


# --- what the effects answered, mapped back to a decision ---------------------------------------------------
def held_back(planned: Decision, why: str) -> Decision:
    """The breaker refused the reservation: nothing is deleted, the decision waits for a person."""
    return _record(Outcome.WOULD_DELETE, ReasonCode.BREAKER_OPEN, f"{planned.reason}; {why}")


def verify_deleted(planned: Decision) -> Decision:
    return _record(Outcome.DELETED, planned.reason_code, planned.reason)


def verify_not_found(evidence: Evidence, planned: Decision) -> Decision:
    """404. If this event's intent alone is on record, an earlier try's DELETE went through: still `deleted`."""
    if deleted_by_this_event(evidence):
        return _record(
            Outcome.DELETED, planned.reason_code, f"{planned.reason}; an earlier try of this event deleted it"
        )
    where = "" if registry_agrees(evidence) else f" (for identity {evidence.identity!r} only)"
    return _record(Outcome.ALREADY_GONE, planned.reason_code, f"{planned.reason}; Verify answered 404{where}")


def verify_rejected(detail: str) -> Decision:
    return _record(Outcome.FAILED, ReasonCode.VERIFY_REJECTED, f"Verify refused the call: {detail}")


def _skip(code: ReasonCode, reason: str) -> Decision:
    return _record(Outcome.SKIPPED, code, reason)


def _record(outcome: Outcome, code: ReasonCode, reason: str) -> Decision:
    return Decision(Step.RECORD, outcome, code, reason)
