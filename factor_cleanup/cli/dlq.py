"""`python -m factor_cleanup dlq-show | dlq-redrive`: the dead-letter queue from a terminal (adapters/aws/dlq.py)."""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import asdict
from typing import Any

from factor_cleanup.adapters.aws.dlq import redrive, render_table, show


def register(commands: Any) -> None:
    where = (
        "Queues: DEAD_LETTER_QUEUE_URL and QUEUE_URL with the usual AWS credentials, or else the local "
        "stack's (make run) on --port, read from its /healthz."
    )
    show_command = commands.add_parser(
        "dlq-show", help="list the dead-letter queue and why each message is there", description=where
    )
    show_command.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    show_command.add_argument("--limit", type=int, default=100)
    show_command.add_argument("--format", choices=["table", "json"], default="table")
    show_command.set_defaults(func=_show_command)
    redrive_command = commands.add_parser(
        "dlq-redrive", help="move dead-lettered messages back to the work queue", description=where
    )
    redrive_command.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    redrive_command.add_argument("--max", type=int, default=1000, help="move at most this many (default 1000)")
    redrive_command.set_defaults(func=_redrive_command)


def _show_command(args: argparse.Namespace) -> int:
    sqs, dlq_url, _ = _queues(args.port)
    letters = show(sqs, dlq_url, args.limit)
    print(
        json.dumps([asdict(letter) for letter in letters], indent=2) if args.format == "json" else render_table(letters)
    )
    return 0


def _redrive_command(args: argparse.Namespace) -> int:
    sqs, dlq_url, queue_url = _queues(args.port)
    result = redrive(sqs, dlq_url, queue_url, args.max)
    print(
        f"moved {result.moved} message(s) to {queue_url}; left {result.left_malformed} malformed in the DLQ"
        + (f"; {result.failed} could not be sent and stay in the DLQ" if result.failed else "")
    )
    return 1 if result.failed else 0


def _queues(port: int) -> tuple[Any, str, str]:
    """(sqs client, DLQ URL, work queue URL) from the environment, or from the local stack's /healthz."""
    import boto3

    if os.environ.get("DEAD_LETTER_QUEUE_URL"):
        if not os.environ.get("QUEUE_URL"):
            raise SystemExit("push-janitor: set QUEUE_URL too (the work queue a redrive sends to)")
        return boto3.client("sqs"), os.environ["DEAD_LETTER_QUEUE_URL"], os.environ["QUEUE_URL"]
    local = _local_stack(port)
    client = boto3.client(
        "sqs",
        endpoint_url=local["aws_endpoint_url"],
        region_name=local.get("region", "us-east-1"),
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return client, local["dead_letter_queue_url"], local["queue_url"]


def _local_stack(port: int) -> dict[str, str]:
    from factor_cleanup.local.addresses import local_addresses

    local = local_addresses(port)
    if not {"aws_endpoint_url", "queue_url", "dead_letter_queue_url"} <= set(local):
        raise SystemExit(
            f"push-janitor: the stack on port {port} does not name its queues; is it push-janitor's `make run`?"
        )
    return local
