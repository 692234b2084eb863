"""Where a running `make run` stack listens, read from its /healthz, for commands run in another terminal."""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request


def local_addresses(port: int) -> dict[str, str]:
    """The stack's `local` block (AWS endpoint, queue and table names…); exits 2 with advice if none runs."""
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            health = json.loads(response.read())
    except urllib.error.HTTPError as exc:  # 503 while starting still carries the addresses
        health = json.loads(exc.read() or b"{}")
    except (urllib.error.URLError, OSError) as exc:
        print(f"push-janitor: no local stack at {url} ({exc}); start `make run`, or set the AWS names "
              "(see --help) to work on a deployed stack", file=sys.stderr)  # fmt: skip
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
    names = {"queue_url": "QUEUE_URL", "ledger_table": "LEDGER_TABLE", "safety_table": "SAFETY_TABLE",
             "dead_letter_queue_url": "DEAD_LETTER_QUEUE_URL"}  # fmt: skip
    os.environ.update({variable: addresses[key] for key, variable in names.items() if addresses.get(key)})
