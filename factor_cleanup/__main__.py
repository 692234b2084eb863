"""Command line: `python -m factor_cleanup {run,send-example,report}` (the Makefile's targets call these)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from typing import Any

DEFAULT_PORT = int(os.environ.get("PORT", "8080"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m factor_cleanup", description="push-janitor")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start the local stack (moto, webhooks, worker, Verify emulator)")
    run.add_argument("--port", type=int, default=DEFAULT_PORT)

    send = commands.add_parser("send-example", help="POST the signed sample Debugger webhook to a running stack")
    send.add_argument("--port", type=int, default=DEFAULT_PORT)
    send.add_argument("--event", default="events/debugger-webhook.json", help="API Gateway event file to send")

    report = commands.add_parser("report", help="print the cleanup report of a running local stack")
    report.add_argument("--port", type=int, default=DEFAULT_PORT)
    report.add_argument("--since", default="7d", help="period, e.g. 24h or 7d (default 7d)")
    report.add_argument("--format", choices=["table", "json"], default="table")

    from factor_cleanup import ops_commands

    ops_commands.register(commands)

    args = parser.parse_args(argv)
    if getattr(args, "func", None):
        return args.func(args)
    if args.command == "run":
        from factor_cleanup.local.stack import run as run_stack

        run_stack(args.port)
        return 0
    if args.command == "send-example":
        return send_example(args.port, args.event)
    return print_report(args.port, args.since, args.format)


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
    url = webhook_url(port, os.environ.get("PUBLIC_BASE_URL"))
    body, headers = signed_form(url, params, os.environ.get("TWILIO_AUTH_TOKEN") or DEMO_AUTH_TOKEN)
    status, answer = _http("POST", f"http://127.0.0.1:{port}/twilio/debugger", body.encode(), headers)
    print(f"POST {url} -> {status} {json.dumps(answer)}")
    if status == 200:
        print("Queued. The worker decides within a second or two; see it with: make report")
    return 0 if status == 200 else 1


def print_report(port: int, since: str, output: str) -> int:
    status, report = _http("GET", f"http://127.0.0.1:{port}/reports/cleanup.json?since={since}")
    if status != 200:
        print(f"push-janitor: report failed ({status}): {json.dumps(report)}", file=sys.stderr)
        return 1
    if output == "json":
        print(json.dumps(report, indent=2))
        return 0
    from factor_cleanup.report import render_table

    print(render_table(report))
    return 0


def _http(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"{}")
        except ValueError:
            return exc.code, {"error": exc.reason}
    except urllib.error.URLError as exc:
        print(f"push-janitor: nothing answers at {url} ({exc.reason}). Is `make run` running?", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    sys.exit(main())
