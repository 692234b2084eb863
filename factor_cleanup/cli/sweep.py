"""Commands `sweep` (run the inactivity sweep on the local stack, print each decision) and `backfill-registry`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

DEFAULT_PORT = int(os.environ.get("PORT", "8080"))


def register(commands: Any) -> None:
    sweep = commands.add_parser(
        "sweep", help="run the inactivity sweeper on the local stack now and show its decisions"
    )
    sweep.add_argument("--port", type=int, default=DEFAULT_PORT)
    sweep.add_argument("--format", choices=["table", "json"], default="table")
    sweep.set_defaults(func=sweep_local)

    backfill = commands.add_parser(
        "backfill-registry",
        help="record every factor of VERIFY_SERVICE_SIDS in the registry (REGISTRY_TABLE), from the Verify API",
    )
    backfill.set_defaults(func=backfill_registry)


def sweep_local(args: argparse.Namespace) -> int:
    from factor_cleanup.local.addresses import LocalStackUnreachable, call_json

    try:
        status, answer = call_json("POST", f"http://127.0.0.1:{args.port}/_local/sweep", b"", timeout=60)
    except LocalStackUnreachable as exc:
        print(f"push-janitor: {exc}. Is `make run` running?", file=sys.stderr)
        return 2
    if status != 200:
        print(f"push-janitor: sweep failed ({status}): {json.dumps(answer)}", file=sys.stderr)
        return 1
    print(json.dumps(answer, indent=2) if args.format == "json" else render(answer))
    return 0


def render(answer: dict[str, Any]) -> str:
    """Counts first, then one line per examined factor with the reason for its fate."""
    sweep = answer["sweep"]
    lines = [
        f"Inactivity sweep at {sweep['swept_at']}: factors not seen since {sweep['seen_before']} are candidates",
        f"{sweep['candidates_read']} candidates read, {sweep['enqueued']} checked by the worker, {sweep['kept']} kept unchecked"
        + ("" if sweep["complete"] else " (stopped early: the next run continues)"),
        "",
    ]
    for row in answer["decisions"]:
        lines.append(
            f"{row.get('outcome', '-'):12}  {row.get('factor_sid', '-'):34}  {row.get('binding_type') or '-':4}  "
            f"{row.get('reason_code', '-')}: {row.get('reason', '')}"
        )
    if answer.get("pending"):
        lines.append(f"{len(answer['pending'])} still being decided; see them later with: make report")
    if not answer["decisions"] and not answer.get("pending"):
        lines.append("(no candidates: every verified factor was seen recently)")
    return "\n".join(lines)


def backfill_registry(args: argparse.Namespace) -> int:
    from factor_cleanup.runtime import bootstrap
    from factor_cleanup.runtime.credentials import ConfigurationError
    from factor_cleanup.services.backfill import backfill_registry as backfill

    try:
        app = args.app or bootstrap.build_app()
        if app.registry is None or not app.settings.verify_service_sids:
            raise ConfigurationError("set REGISTRY_TABLE and VERIFY_SERVICE_SIDS (and Twilio credentials)")
        result = backfill(app.verify, app.registry, app.settings.verify_service_sids)
    except ConfigurationError as exc:
        print(f"push-janitor: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0
