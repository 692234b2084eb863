"""SQS -> decision per record, answered as a partial batch response."""

from __future__ import annotations

from typing import Any

from factor_cleanup.runtime import bootstrap, logs

logs.configure()
_worker: Any = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _worker
    _worker = _worker or bootstrap.worker(bootstrap.settings())
    return _worker.handle_batch(event, context)
