"""EventBridge Scheduler -> inactivity sweep. The schedule's Input carries `<aws.scheduler.scheduled-time>`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from factor_cleanup.domain.timestamps import parse_iso_or_none
from factor_cleanup.runtime import bootstrap, logs
from factor_cleanup.runtime.startup import gc_paused

with gc_paused():  # the function's modules load with garbage collection paused (runtime/startup.py)
    from factor_cleanup.domain.timestamps import parse_iso_or_none
    from factor_cleanup.runtime import bootstrap, logs

    logs.configure()

app = bootstrap.lazy(lambda: bootstrap.build_app().sweeper)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app().sweep(_scheduled_time(event), _seconds_left(context)).as_dict()


def _scheduled_time(event: Any) -> datetime | None:
    event = event if isinstance(event, dict) else {}
    return parse_iso_or_none(event.get("scheduled_time") or event.get("time"))


def _seconds_left(context: Any) -> Callable[[], float]:
    """The invocation's remaining time, so a long sweep stops in time and the next run continues."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return (lambda: remaining() / 1000) if remaining else (lambda: float("inf"))
