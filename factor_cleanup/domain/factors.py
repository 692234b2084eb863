"""Plain data the ports exchange: a factor registry row, and a factor or challenge as the Verify API lists them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from factor_cleanup.domain.timestamps import parse_iso

DeletedBy = Literal["push-janitor", "user"]
ANSWERED = ("approved", "denied")


@dataclass(frozen=True)
class FactorRecord:
    """What the registry knows about one factor. Times are ISO 8601 UTC text (`2026-11-25T12:00:00Z`)."""

    factor_sid: str
    service_sid: str | None = None
    identity: str | None = None
    factor_type: str | None = None
    platform: str | None = None
    status: str | None = None
    created_at: str | None = None
    verified_at: str | None = None
    last_seen: str | None = None
    last_seen_via: str | None = None
    deleted_at: str | None = None
    deleted_by: str | None = None
    deleted_event: str | None = None
    """The event whose DELETE push-janitor made: a retry of that same event is still `deleted`."""
    delete_intent_event: str | None = None
    """The event about to DELETE the factor, written before the call: if its answer is lost, a retry that
    meets a 404 knows the deletion was its own."""
    delete_intent_contested: bool = False
    """Another event noted its intent too: then only a 204 or `deleted_event` says whose DELETE it was."""
    deletion_confirmed: bool = False

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def seen_since(self, moment: datetime) -> bool:
        """True when the factor showed life (a challenge answer, app activity) at or after `moment`. last_seen
        is kept to the second, so life in `moment`'s own second counts: it may have come after it."""
        return self.last_seen is not None and parse_iso(self.last_seen) >= moment.replace(microsecond=0)


@dataclass(frozen=True)
class Challenge:
    """One push challenge as Verify lists it: only the fields the inactivity rule reads."""

    sid: str
    status: str  # pending | expired | approved | denied
    created_at: datetime
    responded_at: datetime | None = None

    @property
    def answered(self) -> bool:
        return self.status in ANSWERED

    @property
    def answered_at(self) -> datetime:
        """When the app answered; Twilio fills date_responded, the creation time is the fallback."""
        return self.responded_at or self.created_at


@dataclass(frozen=True)
class VerifyFactor:
    """One factor as the Verify API lists it (the registry backfill reads these)."""

    sid: str
    service_sid: str
    identity: str
    status: str  # unverified | verified
    factor_type: str
    platform: str | None
    created_at: datetime
    updated_at: datetime
