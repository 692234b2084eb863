"""Queue messages, told apart by `kind`. Each carries `event_id`, the key the worker decides once on.

Only push-janitor's own functions (and the ops principals named in OperatorPrincipalArns) may send to the
work queue. Customer backends may put `app_activity` messages on the activity queue, whose consumer
takes no other kind: whoever may report activity can never cause a deletion.

`apply` re-queues reviewed decisions as a push failure or an inactive candidate naming
`reviewed_event_id`. Such a message may delete in report-only mode, for that factor only, and only when the
ledger holds that decision as a `would_delete` about the same factor, service and identity: the worker checks
before it honours the review. Every other rule still applies at that moment.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    field_validator,
    model_validator,
)

from factor_cleanup.domain.timestamps import parse_iso

FACTOR_SID = r"^YF[0-9a-f]{32}$"
SERVICE_SID = r"^VA[0-9a-f]{32}$"


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
    platform: str | None = Field(default=None, validation_alias=AliasChoices("platform", "binding_type"))
    service_sid: str | None = None
    identity: str | None = None
    factor_sid: str | None = None
    challenge_sid: str | None = None
    correlation_problem: str | None = None
    correlation_problem_code: str | None = None
    """`missing_identity` when the identity alone is missing: the factor registry can supply it."""
    reviewed_event_id: str | None = Field(
        default=None, validation_alias=AliasChoices("reviewed_event_id", "reviewed_event_sid")
    )
    """Set by `apply`: the reviewed `would_delete` decision this message asks to carry out (see the module docstring)."""


# The Verify webhook event types push-janitor acts on (Twilio's docs; there is no challenge.expired).
FACTOR_CREATED, FACTOR_VERIFIED, FACTOR_DELETED = "factor.created", "factor.verified", "factor.deleted"
CHALLENGE_APPROVED, CHALLENGE_DENIED = "challenge.approved", "challenge.denied"
CHALLENGE_ANSWERS = (CHALLENGE_APPROVED, CHALLENGE_DENIED)
VERIFY_EVENT_TYPES = (FACTOR_CREATED, FACTOR_VERIFIED, FACTOR_DELETED, *CHALLENGE_ANSWERS)


class VerifyEvent(BaseModel):
    """A Verify Service webhook (factor.created/verified/deleted, challenge.approved/denied); event_id is its uuid."""

    model_config = ConfigDict(extra="ignore", defer_build=True)  # see _DEFERRED

    kind: Literal["verify_event"] = "verify_event"
    event_id: str = Field(min_length=1)
    type: str
    account_sid: str | None = None
    service_sid: str = Field(pattern=SERVICE_SID)
    identity: str | None = None
    factor_sid: str = Field(pattern=FACTOR_SID)
    factor_type: str | None = None
    challenge_sid: str | None = None
    occurred_at: str
    """When it happened: the payload's own date when it has one, else when push-janitor received it."""


class AppActivity(BaseModel):
    """The customer's app was opened: proof of life for one factor (or the only factor of one identity)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # see _DEFERRED

    kind: Literal["app_activity"] = "app_activity"
    event_id: str = ""
    activity_id: str | None = Field(default=None, min_length=1, max_length=128)
    factor_sid: str | None = Field(default=None, pattern=FACTOR_SID)
    service_sid: str | None = Field(default=None, pattern=SERVICE_SID)
    identity: str | None = Field(default=None, min_length=1, max_length=64)
    occurred_at: str
    source: str = "queue"

    @field_validator("occurred_at")
    @classmethod
    def _zoned_timestamp(cls, value: str) -> str:
        parse_iso(value)  # raises ValueError naming the problem
        return value

    @model_validator(mode="after")
    def _names_a_factor_and_has_an_id(self) -> AppActivity:
        if not self.factor_sid and not (self.service_sid and self.identity):
            raise ValueError("give factor_sid, or service_sid and identity")
        if not self.event_id:
            self.event_id = f"activity:{self.activity_id}" if self.activity_id else f"activity:{self.content_hash()}"
        return self

    def content_hash(self) -> str:
        """The same report sent twice hashes the same, so the worker records it once."""
        fields = {k: getattr(self, k) for k in ("factor_sid", "service_sid", "identity", "occurred_at")}
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:32]


class InactiveCandidate(BaseModel):
    """The sweeper found a verified factor not seen for INACTIVE_DAYS; the worker checks its challenges and decides."""

    model_config = ConfigDict(extra="ignore", defer_build=True)  # see _DEFERRED

    kind: Literal["inactive_candidate"] = "inactive_candidate"
    event_id: str
    factor_sid: str = Field(pattern=FACTOR_SID)
    service_sid: str = Field(pattern=SERVICE_SID)
    identity: str
    last_seen: str
    platform: str | None = Field(default=None, validation_alias=AliasChoices("platform", "binding_type"))
    swept_at: str
    reviewed_event_id: str | None = Field(
        default=None, validation_alias=AliasChoices("reviewed_event_id", "reviewed_event_sid")
    )
    """Set by `apply`: the reviewed `would_delete` decision this message asks to carry out (see the module docstring)."""

    @staticmethod
    def event_id_for(factor_sid: str, last_seen: str, sweep_day: str) -> str:
        """Equal for every sweep of the same day while last_seen stands still: concurrent sweeps decide once."""
        return f"inactive:{factor_sid}:{last_seen}:{sweep_day}"


def apply_event_id(reviewed_event_id: str, attempt: int = 1) -> str:
    """The id of `apply`'s message for a reviewed decision: equal for every run that means the same attempt,
    so the worker's idempotency decides it once; a new attempt only after the breaker held one back."""
    return f"apply:{reviewed_event_id}" if attempt == 1 else f"apply:{reviewed_event_id}#{attempt}"


def _kind(value: Any) -> Any:
    """The `kind` tag; a body without one is a push failure, as every message was before kinds existed."""
    if isinstance(value, dict):
        return value.get("kind", "push_failure")
    return getattr(value, "kind", None)


QueueMessage = Annotated[
    (
        Annotated[PushFailure, Tag("push_failure")]
        | Annotated[VerifyEvent, Tag("verify_event")]
        | Annotated[AppActivity, Tag("app_activity")]
        | Annotated[InactiveCandidate, Tag("inactive_candidate")]
    ),
    Discriminator(_kind),
]
_DEFERRED = "The webhook function writes push failures; the other kinds build their validators on first use."


@cache
def message_parser() -> TypeAdapter[QueueMessage]:
    """The validator of every kind, built once on first use (the worker builds it with itself)."""
    return TypeAdapter(QueueMessage)


def parse_message(body: str) -> PushFailure | VerifyEvent | AppActivity | InactiveCandidate:
    """Read a queue message body; raises pydantic.ValidationError when it is not one of ours (unknown kinds too)."""
    return message_parser().validate_json(body)
