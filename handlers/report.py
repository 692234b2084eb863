"""HTTP -> cleanup report (`GET /reports/cleanup.{json,csv,html}?since=7d[&rows=N]`), served by the local stack."""

from __future__ import annotations

from typing import Any

from factor_cleanup.runtime import bootstrap, logs
from factor_cleanup.runtime.startup import gc_paused

with gc_paused():  # the function's modules load with garbage collection paused (runtime/startup.py)
    from factor_cleanup.runtime import bootstrap, http_function, logs

    logs.configure()

app = bootstrap.lazy(lambda: bootstrap.build_app().report_pages)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return http_function.answer(event, app)
