"""The push failure most unit tests start from: a dead token (52103) for the conftest factor, dated."""

from __future__ import annotations

from factor_cleanup.domain.messages import PushFailure
from tests.conftest import CHALLENGE_SID, FACTOR_SID, IDENTITY, SERVICE_SID

ERROR_AT = "2026-11-25T11:59:00Z"


def failure(**changes) -> PushFailure:
    fields = dict(
        event_id="NO" + "1" * 32,
        source="debugger",
        error_code="52103",
        service_sid=SERVICE_SID,
        identity=IDENTITY,
        factor_sid=FACTOR_SID,
        challenge_sid=CHALLENGE_SID,
        platform="fcm",
        occurred_at=ERROR_AT,
    )
    return PushFailure(**{**fields, **changes})
