"""SQS (the app-activity queue) -> the factor registry. This consumer can only move a factor's last_seen forward.

Customer backends may send to the activity queue (README: "App activity"); any message kind other than
`app_activity` found on it is refused and logged, never acted on (`App.activity_worker`'s one route).
"""

from __future__ import annotations

from typing import Any

from factor_cleanup.runtime.startup import gc_paused

with gc_paused():  # the function's modules load with garbage collection paused (runtime/startup.py)
    from factor_cleanup.runtime import bootstrap, logs

    logs.configure()

app = bootstrap.lazy(lambda: bootstrap.build_app().activity_worker)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app().handle_batch(event, context)
