"""SQS work queue -> one decision per record, answered as a partial batch response.

Where a push failure goes: `App.worker` in factor_cleanup/runtime/bootstrap.py routes it to
`CleanupService.handle_push_failure` (factor_cleanup/services/cleanup.py), which asks `decide`
(factor_cleanup/domain/decision.py) and carries out what it decided.
"""

from __future__ import annotations

from typing import Any

from factor_cleanup.runtime.startup import gc_paused

with gc_paused():  # the function's modules load with garbage collection paused (runtime/startup.py)
    from factor_cleanup.runtime import bootstrap, logs

    logs.configure()

app = bootstrap.lazy(lambda: bootstrap.build_app().worker)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app().handle_batch(event, context)
