"""Carries out the decision about one factor: gathers the evidence, asks `decide`, performs the effects.

Two roads lead here: a push failure (Debugger webhook, Event Streams) and an inactive candidate (the
sweeper). Both end in the same pure decision (domain/decision.py) and the same effects: the breaker's
reservation, the intent in the registry, the Verify DELETE, the registry and the ledger. Whatever Verify
or the breaker answers is mapped back through the decision module, so every outcome has a ReasonCode.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

import structlog

from factor_cleanup.domain import decision as rules
from factor_cleanup.domain.breaker import CircuitBreaker
from factor_cleanup.domain.decision import Decision, Step
from factor_cleanup.domain.decision_record import DecisionRecord, Outcome
from factor_cleanup.domain.error_codes import Category, ErrorCodePolicy
from factor_cleanup.domain.evidence import Cause, CleanupMode, Evidence
from factor_cleanup.domain.factors import FactorRecord
from factor_cleanup.domain.identity import with_registry_identity
from factor_cleanup.domain.inactivity import CHALLENGE_LOOKBACK, InactivityRule
from factor_cleanup.domain.messages import InactiveCandidate, PushFailure
from factor_cleanup.domain.ports import (
    Clock,
    FactorRegistry,
    Ledger,
    VerifyApi,
    VerifyNotFound,
    VerifyRejected,
    VerifyRetryable,
)
from factor_cleanup.domain.reason_codes import ReasonCode
from factor_cleanup.domain.timestamps import parse_iso, parse_iso_or_none
from factor_cleanup.services.decision_log import Target, record_decision

log = structlog.get_logger(__name__)

__all__ = ["CleanupMode", "CleanupService", "RegistryRequired"]

Event = PushFailure | InactiveCandidate


class RegistryRequired(RuntimeError):
    """An inactive candidate arrived but no factor registry is configured (REGISTRY_TABLE)."""


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

    # --- push failures ------------------------------------------------------------------------
    def handle_push_failure(self, failure: PushFailure) -> DecisionRecord:
        """Decide, act at most once, record. VerifyRetryable propagates so the queue retries later."""
        known = self._known(failure.factor_sid)
        resolved = with_registry_identity(failure, known)
        if resolved.identity != failure.identity:
            log.info("identity_from_registry", event_sid=failure.event_id, factor_sid=failure.factor_sid)
        failure = resolved
        reviewed = self._confirmed_review(failure)
        verdict = self.policy.classify(failure.error_code, failure.description)
        occurred_at = parse_iso_or_none(failure.occurred_at)
        cause = Cause(ReasonCode(verdict.category.value), verdict.reason, occurred_at)
        evidence = replace(self._evidence(failure, cause, known, reviewed), ids_problem=failure.correlation_problem)
        if verdict.category is Category.CONFIGURATION and self.breaker and failure.service_sid in self.managed_services:
            self.breaker.note_configuration_error(failure.service_sid, self.clock.now())
        target = Target(
            failure.event_id,
            failure.source,
            failure.service_sid,
            failure.identity,
            failure.factor_sid,
            failure.error_code,
            failure.platform,
            reviewed,
        )
        evidence, decision = self._look_up_if_needed(evidence)
        return self._record(target, evidence, self._carry_out(evidence, decision))

    # --- inactive candidates ------------------------------------------------------------------
    def handle_inactive_candidate(self, candidate: InactiveCandidate) -> DecisionRecord:
        """Check the candidate's challenges now, just before acting, then decide like a push failure."""
        if self.registry is None:
            raise RegistryRequired("inactive candidates need the factor registry: set REGISTRY_TABLE")
        reviewed = self._confirmed_review(candidate)
        target = Target(
            candidate.event_id,
            "sweeper",
            candidate.service_sid,
            candidate.identity,
            candidate.factor_sid,
            None,
            candidate.platform,
            reviewed,
        )
        known = self.registry.get(candidate.factor_sid)
        pending = Cause(ReasonCode.INACTIVE, "inactive candidate", None)
        evidence = self._evidence(candidate, pending, known, reviewed)
        if known is None or known.status != "verified" or not known.last_seen:
            why = Cause(ReasonCode.NOT_VERIFIED, "the registry no longer lists it as a verified factor", None)
            return self._record(target, evidence, rules.decide(replace(evidence, cause=why)))
        early = rules.precheck(evidence)
        if early is not None:
            return self._record(target, evidence, early)
        try:
            evidence = self._judge_inactivity(evidence, known)
        except VerifyNotFound:
            gone = Decision(Step.DELETE, Outcome.DELETED, ReasonCode.INACTIVE, "inactive candidate")
            return self._record(target, evidence, self._not_found(evidence, gone))
        except VerifyRejected as exc:
            return self._record(target, evidence, rules.verify_rejected(str(exc)))
        return self._record(target, evidence, self._carry_out(evidence, rules.decide(evidence)))

    def _judge_inactivity(self, evidence: Evidence, known: FactorRecord) -> Evidence:
        """Read Verify's view of the factor and its latest challenges; the inactivity rule gives the cause."""
        assert evidence.service_sid and evidence.identity and evidence.factor_sid and known.last_seen  # prechecked
        ids = (evidence.service_sid, evidence.identity, evidence.factor_sid)
        factor = self.verify.fetch_factor(*ids)
        challenges = self.verify.recent_challenges(*ids, CHALLENGE_LOOKBACK)
        # An update of the factor (the app sending a new push token) is life too, as an answered challenge is.
        seen = max(parse_iso(known.last_seen), factor.updated_at)
        verdict = self.inactivity.judge(seen, challenges, self.clock.now())
        if verdict.last_seen > seen and self.registry:
            self.registry.mark_seen(evidence.factor_sid, verdict.last_seen, "challenge_list")
        cause = Cause(ReasonCode(verdict.reason_code), verdict.reason, verdict.evidence_at)
        return replace(evidence, cause=cause).with_verify_factor(factor)

    # --- shared -------------------------------------------------------------------------------
    def _evidence(self, event: Event, cause: Cause, known: FactorRecord | None, reviewed: str | None) -> Evidence:
        return Evidence(
            event_id=event.event_id,
            service_sid=event.service_sid,
            identity=event.identity,
            factor_sid=event.factor_sid,
            cause=cause,
            mode=self.mode,
            managed_services=self.managed_services,
            now=self.clock.now(),
            known=known,
            reviewed=reviewed is not None,
            registry_read=self.registry is not None,
        )

    def _confirmed_review(self, event: Event) -> str | None:
        """The reviewed decision the message names, only if the ledger holds it as a `would_delete` about this
        very factor, service and identity. Otherwise the message is decided as if no one had reviewed it."""
        reviewed = event.reviewed_event_id
        if not reviewed:
            return None
        row = self.ledger.get(reviewed)
        about = (event.factor_sid, event.service_sid, event.identity)
        if row and row.outcome == Outcome.WOULD_DELETE and (row.factor_sid, row.service_sid, row.identity) == about:
            return reviewed
        log.warning(
            "review_not_confirmed",
            event_sid=event.event_id,
            reviewed_event_id=reviewed,
            factor_sid=event.factor_sid,
            found=row.outcome if row else None,
        )
        return None

    def _look_up_if_needed(self, evidence: Evidence) -> tuple[Evidence, Decision]:
        """Decide; before a DELETE, ask Verify for the factor (type, owner, last update) and decide again."""
        decision = rules.decide(evidence)
        if decision.step is not Step.LOOK_UP_FACTOR:
            return evidence, decision
        assert evidence.service_sid and evidence.identity and evidence.factor_sid  # decide checked them
        try:
            factor = self.verify.fetch_factor(evidence.service_sid, evidence.identity, evidence.factor_sid)
        except VerifyNotFound:
            return evidence, self._not_found(evidence, decision)
        except VerifyRejected as exc:
            return evidence, rules.verify_rejected(str(exc))
        evidence = evidence.with_verify_factor(factor)
        return evidence, rules.decide(evidence)

    def _carry_out(self, evidence: Evidence, decision: Decision) -> Decision:
        assert decision.step is not Step.LOOK_UP_FACTOR, "the look-up happens before carrying out"
        if decision.step is not Step.DELETE:
            return decision
        # Reading Verify took time (a slot, up to VERIFY_TIMEOUT_SECONDS): life the registry recorded meanwhile
        # counts, so the registry is read again and the decision made again just before the DELETE.
        evidence = replace(evidence, known=self._known(evidence.factor_sid))
        decision = rules.decide(evidence)
        if decision.step is not Step.DELETE:
            return decision
        assert evidence.service_sid and evidence.identity and evidence.factor_sid  # decide checked them
        reserved_at = self.clock.now()
        if self.breaker:
            held = self.breaker.reserve_deletion(evidence.service_sid, reserved_at)
            if held:
                return rules.held_back(decision, held)
        try:
            if self.registry:  # before the call: a lost answer must not turn our deletion into someone else's
                self.registry.mark_delete_intent(
                    evidence.factor_sid, evidence.event_id, reserved_at, evidence.service_sid, evidence.identity
                )
        except Exception:
            self._release(evidence, reserved_at)  # the intent write failed: no DELETE was sent
            raise
        try:
            self.verify.delete_factor(evidence.service_sid, evidence.identity, evidence.factor_sid)
        except VerifyRetryable as exc:
            if not exc.maybe_done:  # a 429 was not processed; anything else may have deleted it: keep the place
                self._withdraw(evidence, reserved_at)
            raise
        except VerifyNotFound:
            self._release(evidence, reserved_at)
            return self._not_found(evidence, decision)
        except VerifyRejected as exc:
            self._withdraw(evidence, reserved_at)
            log.error(
                "verify_rejected_delete", event_sid=evidence.event_id, factor_sid=evidence.factor_sid, error=str(exc)
            )
            return rules.verify_rejected(str(exc))
        # Anything else raised by the DELETE may have followed a 204: the reservation stays, as for a timeout.
        self._mark_deleted(evidence, "push-janitor")
        return rules.verify_deleted(decision)

    def _not_found(self, evidence: Evidence, planned: Decision) -> Decision:
        """404: the factor is gone for everyone only when the registry agrees on its identity and service."""
        evidence = self._reread(evidence)
        mapped = rules.verify_not_found(evidence, planned)
        if mapped.outcome is Outcome.DELETED:
            self._mark_deleted(evidence, "push-janitor")
        elif rules.registry_agrees(evidence):
            self._mark_deleted(evidence, "user")
        return mapped

    def _reread(self, evidence: Evidence) -> Evidence:
        """The registry row as it is now, keeping the intent this attempt found when it began: only an earlier
        try's intent proves an earlier DELETE, but another event may have noted its own, or its deletion, since."""
        now = self._known(evidence.factor_sid)
        if now is None:
            return evidence
        found = evidence.known.delete_intent_event if evidence.known else None
        return replace(evidence, known=replace(now, delete_intent_event=found))

    def _withdraw(self, evidence: Evidence, reserved_at: datetime) -> None:
        """The DELETE was not processed: give the breaker place back, and take back this event's intent."""
        self._release(evidence, reserved_at)
        if self.registry and evidence.factor_sid:
            try:
                self.registry.clear_delete_intent(evidence.factor_sid, evidence.event_id)
            except Exception as exc:  # noqa: BLE001 - a leftover note only misnames who deleted, never deletes
                log.warning("registry_write_failed", factor_sid=evidence.factor_sid, error=str(exc))

    def _release(self, evidence: Evidence, reserved_at: datetime) -> None:
        if self.breaker and evidence.service_sid:
            self.breaker.release_deletion(evidence.service_sid, reserved_at)

    def _known(self, factor_sid: str | None) -> FactorRecord | None:
        return self.registry.get(factor_sid) if self.registry and factor_sid else None

    def _mark_deleted(self, evidence: Evidence, by: Literal["push-janitor", "user"]) -> None:
        """Best effort: the factor is gone either way, and the next sweep or factor.deleted fixes a missed write."""
        if self.registry is None or not evidence.factor_sid:
            return
        try:
            self.registry.mark_deleted(evidence.factor_sid, self.clock.now(), by, event_id=evidence.event_id)
        except Exception as exc:  # noqa: BLE001 - the DELETE already happened; do not retry it over bookkeeping
            log.warning("registry_write_failed", factor_sid=evidence.factor_sid, error=str(exc))

    def _record(self, target: Target, evidence: Evidence, decision: Decision) -> DecisionRecord:
        return record_decision(self.ledger, self.clock.now(), target, evidence, decision)
