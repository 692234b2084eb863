"""Verify events and app activity messages about the test factor, as the worker receives them."""

from __future__ import annotations

from datetime import UTC, datetime

from factor_cleanup.domain.messages import AppActivity, VerifyEvent
from tests.conftest import FACTOR_SID, IDENTITY, SERVICE_SID

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def event(event_type: str, at: str = "2026-11-25T11:00:00Z", uuid: str | None = None, **changes) -> VerifyEvent:
    fields = dict(
        event_id=uuid or f"uuid-{event_type}",
        type=event_type,
        service_sid=SERVICE_SID,
        identity=IDENTITY,
        factor_sid=FACTOR_SID,
        factor_type="push",
        occurred_at=at,
    )
    return VerifyEvent(**{**fields, **changes})


def activity(**fields) -> AppActivity:
    return AppActivity(occurred_at="2026-11-25T11:50:00Z", **fields)
