"""Talking to a running `make run` stack from another terminal: JSON over HTTP, and where its parts listen."""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from typing import Any


class LocalStackUnreachable(RuntimeError):
    """Nothing answers at the URL: the stack is not running (or on another port)."""

    def __init__(self, url: str, reason: object) -> None:
        super().__init__(f"nothing answers at {url} ({reason})")
        self.url = url


def call_json(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 10
) -> tuple[int, Any]:
    """(status, decoded JSON body) for any HTTP status; LocalStackUnreachable when nothing answers."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:  # an answer all the same: our errors are JSON too
        try:
            return exc.code, json.loads(exc.read() or b"{}")
        except ValueError:
            return exc.code, {"error": str(exc.reason)}
    except (urllib.error.URLError, OSError) as exc:
        raise LocalStackUnreachable(url, getattr(exc, "reason", exc)) from None


def local_addresses(port: int) -> dict[str, str]:
    """The stack's `local` block (AWS endpoint, queue and table names…); exits 2 with advice if none runs."""
    try:
        _, health = call_json(
            "GET", f"http://127.0.0.1:{port}/healthz", timeout=5
        )  # a 503 while starting still names them
    except LocalStackUnreachable as exc:
        print(
            f"push-janitor: {exc}; start `make run`, or set the AWS names (see --help) to work on a deployed stack",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    return health.get("local") or {}


def use_local_aws(addresses: dict[str, str]) -> None:
    """Point boto3 at the local stack's moto, with the throwaway credentials moto accepts."""
    os.environ.update(
        AWS_ENDPOINT_URL=addresses["aws_endpoint_url"],
        AWS_DEFAULT_REGION=addresses.get("region", "us-east-1"),
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",
    )
    names = {
        "queue_url": "QUEUE_URL",
        "ledger_table": "LEDGER_TABLE",
        "safety_table": "SAFETY_TABLE",
        "registry_table": "REGISTRY_TABLE",
        "dead_letter_queue_url": "DEAD_LETTER_QUEUE_URL",
    }
    os.environ.update({variable: addresses[key] for key, variable in names.items() if addresses.get(key)})
