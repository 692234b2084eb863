"""Messages on the work queue. Every message carries `event_id`, the source's own id, for idempotency."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class PushFailure(BaseModel):
    """A push to one factor failed (from a Debugger webhook or an Event Streams error log)."""

    model_config = ConfigDict(extra="ignore")

    kind: Literal["push_failure"] = "push_failure"
    event_id: str
    source: str
    account_sid: str | None = None
    occurred_at: str | None = None
    error_code: str | None = None
    description: str | None = None
    binding_type: str | None = None
    service_sid: str | None = None
    identity: str | None = None
    factor_sid: str | None = None
    challenge_sid: str | None = None
    correlation_problem: str | None = None


QueueMessage = PushFailure


def parse_message(body: str) -> QueueMessage:
    """Read a queue message body; raises pydantic.ValidationError when it is not one of ours."""
    return PushFailure.model_validate_json(body)
