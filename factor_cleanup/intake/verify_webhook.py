"""Verify Service webhooks (version v2): the body Twilio posts, and the queue message made from it.

Confirmed fields: uuid, type, account_sid, service_sid, entity_identity, factor_sid, factor_type.
Challenge events also carry challenge fields whose names Twilio does not document, so any of the
usual date names is read when present, and the time of receipt stands in otherwise. Unknown fields
are ignored; unknown event types are acknowledged and not queued.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from factor_cleanup.domain.decision_record import iso_utc
from factor_cleanup.domain.messages import VERIFY_EVENT_TYPES, VerifyEvent
from factor_cleanup.domain.timestamps import check_in_range, parse_iso_or_none
from factor_cleanup.intake.debugger import MalformedEvent, describe_validation_error

EVENT_TYPES = frozenset(VERIFY_EVENT_TYPES)
# Most specific first: when the challenge was answered, then when the resource last changed.
DATE_FIELDS = (
    "challenge_date_responded",
    "date_responded",
    "challenge_date_updated",
    "factor_date_updated",
    "date_updated",
    "challenge_date_created",
    "factor_date_created",
    "date_created",
)


class VerifyWebhook(BaseModel):
    model_config = ConfigDict(extra="allow")

    uuid: str = Field(min_length=1, max_length=200)
    type: str = Field(min_length=1, max_length=100)
    account_sid: str | None = Field(default=None, pattern=r"^AC[0-9a-f]{32}$")
    service_sid: str | None = None
    entity_identity: str | None = None
    factor_sid: str | None = None
    factor_type: str | None = None
    challenge_sid: str | None = None

    @model_validator(mode="after")
    def _dates_in_range(self) -> VerifyWebhook:
        extra = self.model_extra or {}
        for name in DATE_FIELDS:
            check_in_range(extra.get(name))  # a ValueError: pydantic reports it as a validation error
        return self

    def occurred_at(self, received_at: datetime) -> datetime:
        """The payload's own date when it carries a readable one, never later than its receipt."""
        extra = self.model_extra or {}
        for name in DATE_FIELDS:
            moment = parse_iso_or_none(extra.get(name))
            if moment is not None:
                return min(moment, received_at)
        return received_at


def parse_verify_webhook(data: dict[str, Any]) -> VerifyWebhook:
    """Validate the body (form fields or JSON object); MalformedEvent names each problem."""
    try:
        return VerifyWebhook.model_validate(data)
    except ValidationError as exc:
        raise MalformedEvent(describe_validation_error(exc)) from None


def to_verify_event(webhook: VerifyWebhook, received_at: datetime) -> VerifyEvent | None:
    """The queue message, or None for an event type push-janitor does not act on."""
    if webhook.type not in EVENT_TYPES:
        return None
    try:
        return VerifyEvent(
            event_id=webhook.uuid,
            type=webhook.type,
            account_sid=webhook.account_sid,
            service_sid=webhook.service_sid or "",
            identity=webhook.entity_identity,
            factor_sid=webhook.factor_sid or "",
            factor_type=webhook.factor_type,
            challenge_sid=webhook.challenge_sid,
            occurred_at=iso_utc(webhook.occurred_at(received_at)),
        )
    except ValidationError as exc:
        raise MalformedEvent(f"{webhook.type}: {describe_validation_error(exc)}") from None
