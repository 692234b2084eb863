"""The decision for one push failure: delete the factor, or record why not. Every path ends in the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import structlog

from factor_cleanup.actions import Action, Outcome, iso_utc
from factor_cleanup.messages import PushFailure
from factor_cleanup.policy import ErrorCodePolicy
from factor_cleanup.ports import Clock, Ledger, VerifyApi, VerifyNotFound, VerifyRejected

log = structlog.get_logger(__name__)

CleanupMode = Literal["delete", "report-only"]


@dataclass
class CleanupService:
    ledger: Ledger
    verify: VerifyApi
    clock: Clock
    policy: ErrorCodePolicy
    managed_services: frozenset[str]
    mode: CleanupMode = "report-only"

    def handle_push_failure(self, failure: PushFailure) -> Action:
        """Decide, act at most once, record. VerifyRetryable propagates so the queue retries later."""
        action = self._decide(failure)
        self.ledger.record(action)
        log.info(
            "decision",
            event_sid=action.event_sid,
            factor_sid=action.factor_sid,
            service_sid=action.service_sid,
            outcome=action.outcome,
            reason_code=action.reason_code,
        )
        return action

    def _decide(self, failure: PushFailure) -> Action:
        if failure.correlation_problem:
            return self._action(failure, Outcome.SKIPPED, "ambiguous_ids", failure.correlation_problem)
        if failure.service_sid not in self.managed_services:
            reason = f"Verify Service {failure.service_sid} is not in VERIFY_SERVICE_SIDS"
            return self._action(failure, Outcome.SKIPPED, "unmanaged_service", reason)
        verdict = self.policy.classify(failure.error_code, failure.description)
        if not verdict.delete_candidate:
            return self._action(failure, Outcome.SKIPPED, verdict.category.value, verdict.reason)
        if self.mode == "report-only":
            return self._action(failure, Outcome.WOULD_DELETE, "uninstalled", f"{verdict.reason} (report-only mode)")
        return self._delete(failure, verdict.reason)

    def _delete(self, failure: PushFailure, reason: str) -> Action:
        assert failure.service_sid and failure.identity and failure.factor_sid  # guaranteed by the parser
        try:
            self.verify.delete_factor(failure.service_sid, failure.identity, failure.factor_sid)
        except VerifyNotFound:
            return self._action(failure, Outcome.ALREADY_GONE, "uninstalled", f"{reason}; Verify answered 404")
        except VerifyRejected as exc:
            log.error("verify_rejected_delete", event_sid=failure.event_id, factor_sid=failure.factor_sid, error=str(exc))
            return self._action(failure, Outcome.FAILED, "verify_rejected", f"Verify refused the DELETE: {exc}")
        return self._action(failure, Outcome.DELETED, "uninstalled", reason)

    def _action(self, failure: PushFailure, outcome: Outcome, reason_code: str, reason: str) -> Action:
        return Action(
            event_sid=failure.event_id,
            factor_sid=failure.factor_sid,
            service_sid=failure.service_sid,
            identity=failure.identity,
            error_code=failure.error_code,
            outcome=outcome,
            reason=reason,
            reason_code=reason_code,
            at=iso_utc(self.clock.now()),
            source=failure.source,
            binding_type=failure.binding_type,
        )
