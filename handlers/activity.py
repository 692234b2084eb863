"""SQS (the app-activity queue) -> the factor registry. This consumer can only move a factor's last_seen forward.

Customer backends may send to the activity queue (README: "App activity"); any message kind other than
`app_activity` found on it is refused and logged, never acted on.
"""

from __future__ import annotations

from typing import Any

from factor_cleanup.runtime import bootstrap, logs

logs.configure()
_worker: Any = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _worker
    _worker = _worker or bootstrap.activity_worker(bootstrap.settings())
    return _worker.handle_batch(event, context)
