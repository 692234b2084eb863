"""What a decision rests on: the cause (why the factor might be dead, and since when), and everything the
executor gathered about the factor before deciding (the registry's row, Verify's view, the mode)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from factor_cleanup.domain.factors import FactorRecord, VerifyFactor
from factor_cleanup.domain.reason_codes import GONE_CODES, ReasonCode

CleanupMode = Literal["delete", "report-only"]
PUSH = "push"
APN = "apn"  # Verify's notification_platform of an iOS app
CLOCK_SKEW = timedelta(minutes=5)
"""Twilio's clocks, the app backends' and ours differ: life this close before the evidence counts as life after
it, and evidence dated further than this ahead of now is not a time to trust."""


@dataclass(frozen=True)
class Cause:
    """Why the factor might be dead: the error-code verdict or the inactivity verdict, as a code and a sentence."""

    reason_code: ReasonCode
    reason: str
    evidence_at: datetime | None
    """When the evidence arose (the push error; the last expired challenge). None when unreadable."""

    @property
    def says_gone(self) -> bool:
        return self.reason_code in GONE_CODES


@dataclass(frozen=True)
class Evidence:
    """Everything the decision rests on, gathered by the executor before deciding."""

    event_id: str
    service_sid: str | None
    identity: str | None
    factor_sid: str | None
    cause: Cause
    mode: CleanupMode
    managed_services: frozenset[str]
    now: datetime
    """When the decision is made: evidence dated after it (beyond CLOCK_SKEW) cannot be trusted."""
    known: FactorRecord | None = None
    """The registry's row for factor_sid, read just before deciding."""
    ids_problem: str | None = None
    """Why the event's ids do not name one factor (correlationIds), if they do not."""
    verify_factor: VerifyFactor | None = None
    """The factor as Verify returned it just now; None until it was looked up (never in report-only mode)."""
    reviewed: bool = False
    """Ops reviewed this very decision and asked to apply it (`apply`): delete even in report-only mode."""
    registry_read: bool = False
    """A factor registry was read for this decision: without one, life after the evidence cannot be ruled out."""

    def with_verify_factor(self, factor: VerifyFactor) -> Evidence:
        return replace(self, verify_factor=factor)

    @property
    def factor_type(self) -> str | None:
        """What Verify and the registry say. They should never differ; if one names a type other than push,
        that one counts. None when neither has said yet."""
        said = [
            kind
            for kind in (self.verify_factor and self.verify_factor.factor_type, self.known and self.known.factor_type)
            if kind
        ]
        return next((kind for kind in said if kind != PUSH), said[0] if said else None)
