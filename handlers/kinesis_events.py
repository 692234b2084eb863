"""Kinesis (Event Streams sink) -> the work queue, answered as a partial batch response (`App.kinesis`)."""

from __future__ import annotations

from typing import Any

from factor_cleanup.runtime.startup import gc_paused

with gc_paused():  # the function's modules load with garbage collection paused (runtime/startup.py)
    from factor_cleanup.runtime import bootstrap, logs

    logs.configure()

app = bootstrap.lazy(lambda: bootstrap.build_app().kinesis)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app().handle_batch(event, context)
