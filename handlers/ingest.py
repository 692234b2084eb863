"""HTTP API -> intake: `POST /twilio/debugger`, `POST /twilio/verify` (Verify webhooks), `POST /twilio/events`
(Event Streams) and `POST /app/activity`, each answered once its message is queued (`App.ingest`)."""

from __future__ import annotations

from typing import Any

from factor_cleanup.runtime import bootstrap, http_function, logs

logs.configure()
app = bootstrap.lazy_app()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return http_function.answer(event, lambda: app().ingest, log_as="webhook_answered")
