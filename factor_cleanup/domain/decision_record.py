"""What push-janitor decided about one event, as written to the ledger and shown in reports."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field


class Outcome(str, Enum):
    DELETED = "deleted"
    ALREADY_GONE = "already_gone"
    WOULD_DELETE = "would_delete"
    SKIPPED = "skipped"
    FAILED = "failed"


class DecisionRecord(BaseModel):
    """One decision. `reason_code` is a stable key for grouping; `reason` explains it to a person."""

    # The ledger item and the report's JSON/CSV keep their documented keys (`event_sid`, `binding_type`,
    # `reviewed_event_sid`) through aliases; the code says event_id and platform, as everywhere else.
    model_config = ConfigDict(extra="ignore", use_enum_values=True, populate_by_name=True)

    event_id: str = Field(alias="event_sid")
    factor_sid: str | None = None
    service_sid: str | None = None
    identity: str | None = None
    error_code: str | None = None
    outcome: Outcome
    reason: str
    reason_code: str
    at: str
    source: str | None = None
    platform: str | None = Field(default=None, alias="binding_type")
    evidence_at: str | None = None
    """When the evidence the decision rests on arose (the push error, the last expired challenge)."""
    reviewed_event_id: str | None = Field(default=None, alias="reviewed_event_sid")
    """Set when this decision applied a reviewed `would_delete` one (`apply`): that decision's event sid."""


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, second precision: sortable as text, which the ledger index relies on."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
