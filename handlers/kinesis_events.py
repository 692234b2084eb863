"""Kinesis (Event Streams sink) -> the work queue, answered as a partial batch response (`App.kinesis`)."""

from __future__ import annotations

from typing import Any

from factor_cleanup.runtime import bootstrap, logs

logs.configure()
app = bootstrap.lazy_app()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app().kinesis.handle_batch(event, context)
