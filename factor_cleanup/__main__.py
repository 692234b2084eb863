"""Command line: `python -m factor_cleanup {run,send-example,report}` (the Makefile's targets call these)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

DEFAULT_PORT = int(os.environ.get("PORT", "8080"))


def main(argv: list[str] | None = None, app: Any = None) -> int:
    """Run one command. Those that read the ledger or the queues work on `app` (bootstrap.App) when given,
    else on the app the environment configures; tests pass one built on moto or fakes."""
    parser = argparse.ArgumentParser(prog="python -m factor_cleanup", description="push-janitor")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start the local stack (moto, webhooks, worker, Verify emulator)")
    run.add_argument("--port", type=int, default=DEFAULT_PORT)

    send = commands.add_parser("send-example", help="POST the signed sample Debugger webhook to a running stack")
    send.add_argument("--port", type=int, default=DEFAULT_PORT)
    send.add_argument("--event", default="events/debugger-webhook.json", help="API Gateway event file to send")

    from factor_cleanup.cli import report as report_cli

    report_cli.register(commands)  # `report`: table, json, csv or html, from DynamoDB or the local stack

    from factor_cleanup.cli import dlq
    from factor_cleanup.cli import ops as ops_commands

    ops_commands.register(commands)
    dlq.register(commands)

    from factor_cleanup.cli import apply as apply_cli

    apply_cli.register(commands)  # `apply`: carry out reviewed would_delete decisions

    from factor_cleanup.cli import sweep as sweep_cli

    sweep_cli.register(commands)  # `sweep` (local stack) and `backfill-registry`

    args = parser.parse_args(argv)
    args.app = app
    if getattr(args, "func", None):
        return args.func(args)
    if args.command == "run":
        from factor_cleanup.local.stack import run as run_stack

        run_stack(args.port)
        return 0
    return send_example(args.port, args.event)


def send_example(port: int, event_path: str) -> int:
    """Re-sign the sample's form body for this port's URL with the local token, then POST it."""
    from factor_cleanup.local.demo import DEMO_AUTH_TOKEN, sample_form_params, webhook_url
    from factor_cleanup.local.signing import signed_form

    try:
        with open(event_path) as handle:
            params = sample_form_params(json.load(handle))
    except (OSError, ValueError, KeyError) as exc:
        print(f"push-janitor: cannot read {event_path}: {exc}", file=sys.stderr)
        return 2
    if "Timestamp" in params:  # the error happens now: a fixed date would predate the demo factors' last signs of life
        params["Timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    url = webhook_url(port, os.environ.get("PUBLIC_BASE_URL"))
    body, headers = signed_form(url, params, os.environ.get("TWILIO_AUTH_TOKEN") or DEMO_AUTH_TOKEN)
    status, answer = _http("POST", f"http://127.0.0.1:{port}/twilio/debugger", body.encode(), headers)
    print(f"POST {url} -> {status} {json.dumps(answer)}")
    if status == 200:
        print("Queued. The worker decides within a second or two; see it with: make report")
    return 0 if status == 200 else 1


def _http(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    from factor_cleanup.local.addresses import LocalStackUnreachable, call_json

    try:
        return call_json(method, url, body, headers)
    except LocalStackUnreachable as exc:
        print(f"push-janitor: {exc}. Is `make run` running?", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    sys.exit(main())
