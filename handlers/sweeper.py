"""EventBridge Scheduler -> inactivity sweep. The schedule's Input carries `<aws.scheduler.scheduled-time>`."""

from __future__ import annotations

from typing import Any

from factor_cleanup.domain.timestamps import parse_iso_or_none
from factor_cleanup.runtime import bootstrap, logs

logs.configure()
_sweeper: Any = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _sweeper
    _sweeper = _sweeper or bootstrap.sweeper(bootstrap.settings())
    scheduled = parse_iso_or_none((event or {}).get("scheduled_time") or (event or {}).get("time"))
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    seconds_left = (lambda: remaining() / 1000) if remaining else (lambda: float("inf"))
    return _sweeper.sweep(scheduled, seconds_left).as_dict()
