"""The decision for one factor: delete it, or record why not. Every path ends in the ledger.

Two roads lead here: a push failure (Debugger webhook) and an inactive candidate (the sweeper).
Both pass the same checks before any DELETE: a managed service, the factor registry (already
deleted? seen alive since?), the mode, and they share the same deletion and bookkeeping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import structlog

from factor_cleanup.actions import Action, Outcome, iso_utc
from factor_cleanup.breaker import CircuitBreaker
from factor_cleanup.inactivity import CHALLENGE_LOOKBACK, InactivityRule
from factor_cleanup.messages import InactiveCandidate, PushFailure
from factor_cleanup.policy import Category, ErrorCodePolicy
from factor_cleanup.ports import Clock, FactorRegistry, Ledger, VerifyApi, VerifyNotFound, VerifyRejected, VerifyRetryable
from factor_cleanup.records import FactorRecord
from factor_cleanup.timestamps import parse_iso, parse_iso_or_none

log = structlog.get_logger(__name__)

CleanupMode = Literal["delete", "report-only"]


class RegistryRequired(RuntimeError):
    """An inactive candidate arrived but no factor registry is configured (REGISTRY_TABLE)."""


@dataclass(frozen=True)
class Target:
    """The factor a decision is about, and the event that asked for it."""

    event_id: str
    source: str
    service_sid: str | None
    identity: str | None
    factor_sid: str | None
    error_code: str | None = None
    binding_type: str | None = None

    @classmethod
    def of_failure(cls, failure: PushFailure) -> "Target":
        return cls(failure.event_id, failure.source, failure.service_sid, failure.identity, failure.factor_sid,
                   failure.error_code, failure.binding_type)  # fmt: skip

    @classmethod
    def of_candidate(cls, candidate: InactiveCandidate) -> "Target":
        return cls(candidate.event_id, "sweeper", candidate.service_sid, candidate.identity, candidate.factor_sid,
                   None, candidate.binding_type)  # fmt: skip


@dataclass
class CleanupService:
    ledger: Ledger
    verify: VerifyApi
    clock: Clock
    policy: ErrorCodePolicy
    managed_services: frozenset[str]
    mode: CleanupMode = "report-only"
    registry: FactorRegistry | None = None
    inactivity: InactivityRule = field(default_factory=InactivityRule)
    breaker: CircuitBreaker | None = None

    def handle_push_failure(self, failure: PushFailure) -> Action:
        """Decide, act at most once, record. VerifyRetryable propagates so the queue retries later."""
        return self._record(self._decide_failure(failure))

    def handle_inactive_candidate(self, candidate: InactiveCandidate) -> Action:
        """Check the candidate's challenges now, just before acting, then decide like a push failure."""
        if self.registry is None:
            raise RegistryRequired("inactive candidates need the factor registry: set REGISTRY_TABLE")
        return self._record(self._decide_inactive(candidate, self.registry))

    def _record(self, action: Action) -> Action:
        self.ledger.record(action)
        log.info("decision", event_sid=action.event_sid, factor_sid=action.factor_sid, service_sid=action.service_sid,
                 outcome=action.outcome, reason_code=action.reason_code, source=action.source,
                 error_code=action.error_code)  # fmt: skip
        return action

    # --- push failures ------------------------------------------------------------------------
    def _decide_failure(self, failure: PushFailure) -> Action:
        failure, known = self._resolve_identity(failure)
        target = Target.of_failure(failure)
        if failure.correlation_problem:
            return self._action(target, Outcome.SKIPPED, "ambiguous_ids", failure.correlation_problem)
        if failure.service_sid not in self.managed_services:
            reason = f"Verify Service {failure.service_sid} is not in VERIFY_SERVICE_SIDS"
            return self._action(target, Outcome.SKIPPED, "unmanaged_service", reason)
        verdict = self.policy.classify(failure.error_code, failure.description)
        if verdict.category is Category.CONFIGURATION and self.breaker:
            self.breaker.note_configuration_error(failure.service_sid, self.clock.now())
        if not verdict.delete_candidate:
            return self._action(target, Outcome.SKIPPED, verdict.category.value, verdict.reason)
        known = known or self._known(failure.factor_sid)
        if known and known.deleted:
            return self._gone(target, known, "uninstalled", verdict.reason)
        occurred = parse_iso_or_none(failure.occurred_at)
        if known and occurred and known.seen_after(occurred):
            reason = (f"seen alive at {known.last_seen} ({known.last_seen_via or 'registry'}), after the error at "
                      f"{iso_utc(occurred)}: the app is still there, not deleted")  # fmt: skip
            return self._action(target, Outcome.SKIPPED, "alive", reason)
        if self.mode == "report-only":
            return self._action(target, Outcome.WOULD_DELETE, "uninstalled", f"{verdict.reason} (report-only mode)")
        return self._delete(target, "uninstalled", verdict.reason)

    def _resolve_identity(self, failure: PushFailure) -> tuple[PushFailure, FactorRecord | None]:
        """Fill a missing identity from the registry when it knows the factor under the same service."""
        if failure.correlation_problem_code != "missing_identity" or not failure.factor_sid:
            return failure, None
        known = self._known(failure.factor_sid)
        if known is None or not known.identity:
            problem = f"{failure.correlation_problem}, and the factor registry does not know {failure.factor_sid}"
            return failure.model_copy(update={"correlation_problem": problem}), known
        if known.service_sid != failure.service_sid:
            problem = f"{failure.correlation_problem}; the registry has {failure.factor_sid} under {known.service_sid}"
            return failure.model_copy(update={"correlation_problem": problem}), known
        log.info("identity_from_registry", event_sid=failure.event_id, factor_sid=failure.factor_sid)
        resolved = {"identity": known.identity, "correlation_problem": None, "correlation_problem_code": None}
        return failure.model_copy(update=resolved), known

    # --- inactive candidates ------------------------------------------------------------------
    def _decide_inactive(self, candidate: InactiveCandidate, registry: FactorRegistry) -> Action:
        target = Target.of_candidate(candidate)
        if candidate.service_sid not in self.managed_services:
            reason = f"Verify Service {candidate.service_sid} is not in VERIFY_SERVICE_SIDS"
            return self._action(target, Outcome.SKIPPED, "unmanaged_service", reason)
        known = registry.get(candidate.factor_sid)
        if known is None or known.status != "verified" or not known.last_seen:
            return self._action(target, Outcome.SKIPPED, "not_verified", "the registry no longer lists it as a verified factor")
        if known.deleted:
            return self._gone(target, known, "inactive", "inactive")
        try:
            self.verify.fetch_factor(candidate.service_sid, candidate.identity, candidate.factor_sid)
            challenges = self.verify.recent_challenges(
                candidate.service_sid, candidate.identity, candidate.factor_sid, CHALLENGE_LOOKBACK
            )
        except VerifyNotFound:
            self._mark_deleted(target, "user")
            return self._action(target, Outcome.ALREADY_GONE, "inactive", "Verify answered 404: someone else deleted it")
        except VerifyRejected as exc:
            return self._action(target, Outcome.FAILED, "verify_rejected", f"Verify refused to list challenges: {exc}")
        verdict = self.inactivity.judge(parse_iso(known.last_seen), challenges, self.clock.now())
        if verdict.last_seen > parse_iso(known.last_seen):
            registry.mark_seen(candidate.factor_sid, verdict.last_seen, "challenge_list")
        if not verdict.inactive:
            return self._action(target, Outcome.SKIPPED, verdict.reason_code, verdict.reason)
        if self.mode == "report-only":
            return self._action(target, Outcome.WOULD_DELETE, "inactive", f"{verdict.reason} (report-only mode)")
        return self._delete(target, "inactive", verdict.reason)

    # --- shared -------------------------------------------------------------------------------
    def _known(self, factor_sid: str | None) -> FactorRecord | None:
        return self.registry.get(factor_sid) if self.registry and factor_sid else None

    def _delete(self, target: Target, reason_code: str, reason: str) -> Action:
        assert target.service_sid and target.identity and target.factor_sid  # guaranteed by the checks above
        reserved_at = self.clock.now()
        if self.breaker:
            held = self.breaker.reserve_deletion(target.service_sid, reserved_at)
            if held:
                return self._action(target, Outcome.WOULD_DELETE, "breaker_open", f"{reason}; {held}")
        try:
            self.verify.delete_factor(target.service_sid, target.identity, target.factor_sid)
        except (VerifyNotFound, VerifyRejected, VerifyRetryable) as exc:
            if self.breaker:  # nothing was deleted: give the reservation back
                self.breaker.release_deletion(target.service_sid, reserved_at)
            if isinstance(exc, VerifyRetryable):
                raise
            if isinstance(exc, VerifyNotFound):
                self._mark_deleted(target, "user")
                return self._action(target, Outcome.ALREADY_GONE, reason_code, f"{reason}; Verify answered 404")
            log.error("verify_rejected_delete", event_sid=target.event_id, factor_sid=target.factor_sid, error=str(exc))
            return self._action(target, Outcome.FAILED, "verify_rejected", f"Verify refused the DELETE: {exc}")
        self._mark_deleted(target, "push-janitor")
        return self._action(target, Outcome.DELETED, reason_code, reason)

    def _gone(self, target: Target, known: FactorRecord, reason_code: str, reason: str) -> Action:
        """Already deleted, per the registry. By this very event? Then its first try deleted it and lost
        its ledger write (a timeout, a failed write): the decision is still `deleted`, not `already_gone`."""
        if known.deleted_by == "push-janitor" and known.deleted_event == target.event_id:
            note = f"deleted at {known.deleted_at} by an earlier try of this event, whose record was lost"
            return self._action(target, Outcome.DELETED, reason_code, f"{reason}; {note}")
        return self._action(target, Outcome.ALREADY_GONE, reason_code, f"{reason}; {_deleted_note(known)}, so Verify was not called")

    def _mark_deleted(self, target: Target, by: Literal["push-janitor", "user"]) -> None:
        """Best effort: the factor is gone either way, and the next sweep or factor.deleted fixes a missed write."""
        if self.registry is None or not target.factor_sid:
            return
        try:
            self.registry.mark_deleted(target.factor_sid, self.clock.now(), by, event_id=target.event_id)
        except Exception as exc:  # noqa: BLE001 - the DELETE already happened; do not retry it over bookkeeping
            log.warning("registry_write_failed", factor_sid=target.factor_sid, error=str(exc))

    def _action(self, target: Target, outcome: Outcome, reason_code: str, reason: str) -> Action:
        return Action(
            event_sid=target.event_id,
            factor_sid=target.factor_sid,
            service_sid=target.service_sid,
            identity=target.identity,
            error_code=target.error_code,
            outcome=outcome,
            reason=reason,
            reason_code=reason_code,
            at=iso_utc(self.clock.now()),
            source=target.source,
            binding_type=target.binding_type,
        )


def _deleted_note(known: FactorRecord) -> str:
    confirmed = ", confirmed by Verify" if known.deletion_confirmed else ""
    return f"the factor registry records it deleted at {known.deleted_at} by {known.deleted_by}{confirmed}"
