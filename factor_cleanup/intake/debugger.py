"""Twilio Debugger webhook: the form parameters, the JSON `Payload`, and the push failure inside it."""

from __future__ import annotations

import json
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator

from factor_cleanup.domain.correlation import parse_correlation_ids
from factor_cleanup.domain.messages import PushFailure
from factor_cleanup.domain.timestamps import check_in_range


class MalformedEvent(ValueError):
    """The request is authentic but cannot be read; the message says what is wrong."""


class DebuggerPayload(BaseModel):
    model_config = ConfigDict(extra="allow")

    resource_sid: str | None = None
    service_sid: str | None = None
    error_code: str | None = None
    more_info: dict[str, Any] = Field(default_factory=dict)
    webhook: dict[str, Any] | None = None

    @field_validator("error_code", mode="before")
    @classmethod
    def _code_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @field_validator("more_info", mode="before")
    @classmethod
    def _more_info_object(cls, value: object) -> object:
        if value is None:
            return {}
        if isinstance(value, str):  # some products send it as a nested JSON string
            try:
                return json.loads(value) if value.strip() else {}
            except ValueError:
                return {"description": value}
        return value


class DebuggerEvent(BaseModel):
    """The form parameters of one Debugger webhook (unknown parameters are kept, not rejected)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    sid: str = Field(validation_alias="Sid", pattern=r"^NO[0-9a-f]{32}$")
    account_sid: str = Field(validation_alias="AccountSid", pattern=r"^AC[0-9a-f]{32}$")
    parent_account_sid: str | None = Field(default=None, validation_alias="ParentAccountSid")
    timestamp: str | None = Field(default=None, validation_alias=AliasChoices("Timestamp", "TimeStamp"))
    level: str | None = Field(default=None, validation_alias="Level")
    payload_type: str | None = Field(default=None, validation_alias="PayloadType")
    payload: DebuggerPayload = Field(validation_alias="Payload")

    @field_validator("timestamp")
    @classmethod
    def _datable(cls, value: str | None) -> str | None:
        """Kept as sent: an unreadable time is not refused here, but it never allows a deletion (`undated`).
        A date past the ends of the calendar is refused: nothing downstream could compare it."""
        check_in_range(value)
        return value

    @field_validator("payload", mode="before")
    @classmethod
    def _payload_json(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise ValueError(f"Payload is not valid JSON ({exc})") from exc
        return value


def parse_debugger_form(params: dict[str, str]) -> DebuggerEvent:
    """Validate the form parameters; raise MalformedEvent naming each problem."""
    try:
        return DebuggerEvent.model_validate(params)
    except ValidationError as exc:
        raise MalformedEvent(describe_validation_error(exc)) from None
    except RecursionError:  # json.loads gives up on JSON nested deeper than the interpreter's stack
        raise MalformedEvent("Payload: JSON nested too deeply") from None


def describe_validation_error(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "body"
        problems.append(f"{where}: {error['msg']}")
    return "; ".join(problems)


def to_push_failure(event: DebuggerEvent) -> PushFailure | None:
    """The queue message for a Verify Push failure, or None when the event is about something else."""
    more_info = event.payload.more_info
    raw_ids = more_info.get("correlationIds")
    if raw_ids is None:
        return None
    ids = parse_correlation_ids(raw_ids)
    problem, problem_code = ids.problem, ids.problem_code
    payload_service = event.payload.service_sid
    if not problem and payload_service and payload_service.startswith("VA") and payload_service != ids.service_sid:
        problem = f"Payload.service_sid {payload_service} differs from the correlationIds service {ids.service_sid}"
        problem_code = "service_mismatch"
    return PushFailure(
        event_id=event.sid,
        source="debugger",
        account_sid=event.account_sid,
        occurred_at=event.timestamp,
        error_code=event.payload.error_code,
        description=_text(more_info.get("description") or more_info.get("Msg")),
        platform=_text(more_info.get("bindingType")),
        service_sid=ids.service_sid,
        identity=ids.identity,
        factor_sid=ids.factor_sid,
        challenge_sid=ids.challenge_sid,
        correlation_problem=problem,
        correlation_problem_code=problem_code,
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)
