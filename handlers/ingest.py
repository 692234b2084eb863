"""HTTP API -> intake: `POST /twilio/debugger`, `POST /twilio/verify` (Verify webhooks), `POST /twilio/events`
(Event Streams) and `POST /app/activity`, each answered once its message is queued (`App.ingest`)."""

from __future__ import annotations

from typing import Any

from factor_cleanup.runtime.startup import gc_paused

with gc_paused():  # the function's modules load with garbage collection paused (runtime/startup.py)
    from factor_cleanup.runtime import bootstrap, http_function, logs

    logs.configure()

app = bootstrap.lazy(lambda: bootstrap.build_app().ingest)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return http_function.answer(event, app, log_as="webhook_answered")
