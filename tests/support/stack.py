"""Reading the running local stack (`make run`) over HTTP."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def wait_for_report(port: int, total: int, seconds: float = 20.0) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        _, report = get_json(f"http://127.0.0.1:{port}/reports/cleanup.json")
        if report["summary"]["total"] >= total:
            return report
        time.sleep(0.2)
    raise AssertionError(f"report still has fewer than {total} decisions: {report}")
