"""Verify Service webhooks (version v2): the body Twilio posts, and the queue message made from it.

Confirmed fields: uuid, type, account_sid, service_sid, entity_identity, factor_sid, factor_type.
Challenge events also carry challenge fields whose names Twilio does not document. An event is dated
only by a field that says when the event itself happened (OWN_DATES), never by a creation date that
only proves the resource existed earlier; otherwise by its time of receipt, which is later than the
event and so the safe side for evidence of life. No date counts past the receipt. Unknown fields are
ignored; unknown event types are acknowledged and not queued.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from factor_cleanup.domain.decision_record import iso_utc
from factor_cleanup.domain.messages import (
    CHALLENGE_APPROVED,
    CHALLENGE_DENIED,
    FACTOR_CREATED,
    FACTOR_DELETED,
    FACTOR_VERIFIED,
    VERIFY_EVENT_TYPES,
    VerifyEvent,
)
from factor_cleanup.domain.timestamps import check_in_range, parse_iso_or_none
from factor_cleanup.intake.debugger import MalformedEvent, describe_validation_error

EVENT_TYPES = frozenset(VERIFY_EVENT_TYPES)
# When the app answered: the challenge's date_responded, or its date_updated (an answer updates the
# challenge, and nothing changes it afterwards). Not a bare date_updated (it may be the factor's), not the
# factor's date_updated (the app answered later than that), not a creation date (the challenge was
# created before the push that may already have failed).
_ANSWERED = ("challenge_date_responded", "date_responded", "challenge_date_updated")
# A factor is verified by an update of the factor: its date_updated is that moment or later.
_FACTOR_UPDATED = ("factor_date_updated", "date_updated")
# factor.created is the factor's creation: there, and only there, the creation date is the event's time.
_FACTOR_CREATED = ("factor_date_created", "date_created")
OWN_DATES: dict[str, tuple[str, ...]] = {
    CHALLENGE_APPROVED: _ANSWERED,
    CHALLENGE_DENIED: _ANSWERED,
    FACTOR_VERIFIED: _FACTOR_UPDATED,  # sets last_seen: a creation date would date the factor's life too early
    FACTOR_CREATED: _FACTOR_CREATED,  # sets created_at only
    FACTOR_DELETED: (),  # no field says when it was deleted: the time of receipt
}
# Every date field read anywhere: each must be a date a UTC datetime can hold, or the webhook is a 400.
DATE_FIELDS = (*_ANSWERED, *_FACTOR_UPDATED, "challenge_date_created", *_FACTOR_CREATED)


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
        """The latest readable date among the event's own (OWN_DATES), else the receipt; never after the receipt.

        The latest, because each of them is the event's moment or later, and a later date of life only keeps
        a factor longer."""
        extra = self.model_extra or {}
        own = [parse_iso_or_none(extra.get(name)) for name in OWN_DATES.get(self.type, ())]
        readable = [moment for moment in own if moment is not None]
        return min(max(readable), received_at) if readable else received_at


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
