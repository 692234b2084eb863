"""What push-janitor decided about one event, as written to the ledger and shown in reports."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum

from pydantic import BaseModel, ConfigDict


class Outcome(str, Enum):
    DELETED = "deleted"
    ALREADY_GONE = "already_gone"
    WOULD_DELETE = "would_delete"
    SKIPPED = "skipped"
    FAILED = "failed"


class Action(BaseModel):
    """One decision. `reason_code` is a stable key for grouping; `reason` explains it to a person."""

    model_config = ConfigDict(extra="ignore", use_enum_values=True)

    event_sid: str
    factor_sid: str | None = None
    service_sid: str | None = None
    identity: str | None = None
    error_code: str | None = None
    outcome: Outcome
    reason: str
    reason_code: str
    at: str
    source: str | None = None
    binding_type: str | None = None
    evidence_at: str | None = None
    """When the evidence the decision rests on arose (the push error, the last expired challenge)."""
    reviewed_event_sid: str | None = None
    """Set when this decision applied a reviewed `would_delete` one (`apply`): that decision's event sid."""


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, second precision: sortable as text, which the ledger index relies on."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
