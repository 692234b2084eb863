"""`python -m factor_cleanup apply`: carry out the reviewed `would_delete` decisions of a period (services/apply.py)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from factor_cleanup.domain.clock import SystemClock
from factor_cleanup.domain.sids import VERIFY_SERVICE, is_sid
from factor_cleanup.reports.build import parse_period, period_since
from factor_cleanup.services.apply import APPLIED, KEPT, OVER_LIMIT, QUEUED, ApplyPlan, Planned, plan, send

WHERE = (
    "With LEDGER_TABLE and QUEUE_URL set (and AWS credentials of a role listed in OperatorPrincipalArns) it "
    "works on the deployed stack; otherwise on the local stack (make run) on --port, found through its /healthz."
)
ORDER = (QUEUED, APPLIED, KEPT, OVER_LIMIT)


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "apply",
        description=WHERE,
        help="delete exactly the reviewed would_delete decisions of a period, each decided again",
    )
    parser.add_argument("--since", required=True, help="the reviewed period up to now, e.g. 7d, 24h, 90m")
    parser.add_argument(
        "--service", action="append", default=[], metavar="VA…", help="only this Verify Service (repeatable)"
    )
    parser.add_argument("--limit", type=int, help="queue at most N decisions (the oldest first)")
    parser.add_argument("--dry-run", action="store_true", help="print what would be applied, change nothing")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    problem = _bad_arguments(args)
    if problem:
        return _fail(problem)
    from botocore.exceptions import BotoCoreError, ClientError

    from factor_cleanup.runtime.credentials import ConfigurationError

    clock = SystemClock()
    try:
        ledger, queue = _ledger_and_queue(args.port, args.dry_run)
        found = plan(ledger, period_since(clock, args.since), frozenset(args.service), args.limit)
        print(render(found, args.dry_run))
        if args.dry_run:
            return 0
        unqueued = send(found, queue, clock.now())
    except ConfigurationError as exc:
        return _fail(str(exc))
    except (BotoCoreError, ClientError) as exc:
        return _fail(f"AWS refused: {exc}", 1)
    for failed in unqueued:
        print(f"not queued: {failed.message.event_id}: {failed.reason}", file=sys.stderr)
    queued = len(found.to_queue) - len(unqueued)
    if not found.to_queue:
        print("Nothing to queue.")
    else:
        print(
            f"Queued {queued}: the worker decides each again, every check included (see them with: make report)."
            + (f" {len(unqueued)} not queued: run apply again." if unqueued else "")
        )
    return 1 if unqueued else 0


def _bad_arguments(args: argparse.Namespace) -> str | None:
    try:
        parse_period(args.since)
    except ValueError as exc:
        return str(exc)
    bad = [sid for sid in args.service if not is_sid(sid, VERIFY_SERVICE)]
    if bad:
        return f"--service takes Verify Service SIDs (VA + 32 hex digits), not {', '.join(bad)}"
    if args.limit is not None and args.limit < 1:
        return f"--limit {args.limit} must be 1 or more"
    return None


def _ledger_and_queue(port: int, dry_run: bool) -> tuple[Any, Any]:
    from factor_cleanup.runtime import bootstrap
    from factor_cleanup.runtime.credentials import ConfigurationError

    if not os.environ.get("LEDGER_TABLE"):
        from factor_cleanup.local.addresses import local_addresses, use_local_aws

        use_local_aws(local_addresses(port))
    settings = bootstrap.load_settings()
    if not settings.queue_url and not dry_run:
        raise ConfigurationError("set QUEUE_URL (stack output WorkQueueUrl) too: apply sends to the work queue")
    app = bootstrap.build_app(settings)
    return app.ledger, app.work_queue


def render(found: ApplyPlan, dry_run: bool) -> str:
    """In a dry run one line per reviewed decision; always the counts per service."""
    start = found.period.start.strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = [f"{len(found.rows)} reviewed would_delete decision(s) since {start}"]
    if dry_run:
        lines += [_line(row) for row in found.rows]
    labels = {**dict(zip(ORDER, ORDER, strict=True)), QUEUED: "to queue" if dry_run else QUEUED}
    for service, counts in found.by_service().items():
        lines.append(
            f"{service}: " + ", ".join(f"{counts[status]} {labels[status]}" for status in ORDER if counts[status])
        )
    if dry_run:
        lines.append(f"Dry run: nothing queued. Without --dry-run {len(found.to_queue)} would be.")
    return "\n".join(lines)


def _line(row: Planned) -> str:
    action = row.reviewed
    what = "queue" if row.status == QUEUED else row.status
    if row.application is not None:
        what += f" (last applied: {row.application.outcome} {row.application.reason_code})"
    return (
        f"  {what:16}  {action.event_id}  {action.factor_sid or '-'}  {action.identity or '-'}  "
        f"{action.reason_code}  evidence {action.evidence_at or '-'}"
    )


def _fail(message: str, code: int = 2) -> int:
    print(f"push-janitor: {message}", file=sys.stderr)
    return code
