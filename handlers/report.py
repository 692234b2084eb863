"""HTTP -> cleanup report (`GET /reports/cleanup.{json,csv,html}?since=7d[&rows=N]`), served by the local stack."""

from __future__ import annotations

from typing import Any

from factor_cleanup.runtime import bootstrap, http_function, logs

logs.configure()
app = bootstrap.lazy_app()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return http_function.answer(event, lambda: app().report_pages)
