"""EventBridge Scheduler -> the previous UTC day's cleanup report in S3 (JSON, CSV, HTML) and, when configured, by SNS.

The schedule sends no input; `{"day": "2026-11-24"}` rebuilds that day instead (e.g. `aws lambda invoke`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from factor_cleanup.runtime.startup import gc_paused

with gc_paused():  # the function's modules load with garbage collection paused (runtime/startup.py)
    from factor_cleanup.runtime import bootstrap, logs

    logs.configure()

app = bootstrap.lazy(lambda: bootstrap.build_app().daily_report)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app().run(_day(event))


def _day(event: Any) -> date | None:
    text = event.get("day") if isinstance(event, dict) else None
    if not text:
        return None
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise ValueError(f'"day" must be a date such as 2026-11-24, not {text!r}') from None
