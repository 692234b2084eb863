"""`python -m factor_cleanup report`: read DynamoDB directly when LEDGER_TABLE is set, else ask the local stack."""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO
from urllib.parse import urlencode

from factor_cleanup.reports.build import FORMATS, TABLE_ROWS, parse_period

WHERE = (
    "With LEDGER_TABLE set (and AWS credentials; DEAD_LETTER_QUEUE_URL adds the DLQ depth) the report reads "
    "the ledger in DynamoDB directly; otherwise it asks the local stack (make run) on --port."
)


def register(commands: Any) -> None:
    parser = commands.add_parser("report", help="the cleanup report as a table, JSON, CSV or HTML", description=WHERE)
    parser.add_argument("--since", default="7d", help="period up to now, e.g. 24h, 7d, 90m (default 7d)")
    parser.add_argument("--format", choices=FORMATS, default="table", help="default: a table for the terminal")
    parser.add_argument("--out", metavar="FILE", help="write to FILE (replaced only once the report is complete)")
    parser.add_argument(
        "--rows",
        type=int,
        help=f"actions to list (table: {TABLE_ROWS}, html: 1000, json: all); "
        "counts always cover every action; CSV always lists all",
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        parse_period(args.since)
        if args.rows is not None and args.rows < 0:
            raise ValueError(f"--rows {args.rows} must be 0 or more")
    except ValueError as exc:
        print(f"push-janitor: {exc}", file=sys.stderr)
        return 2
    source = from_ledger if os.environ.get("LEDGER_TABLE") else from_server
    try:
        with output(args.out) as out:
            source(args, out)
    except ReportUnavailable as exc:
        print(f"push-janitor: {exc}", file=sys.stderr)
        return exc.exit_code
    if args.out:
        print(f"wrote {args.format} report to {args.out}", file=sys.stderr)
    return 0


class ReportUnavailable(RuntimeError):
    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@contextmanager
def output(path: str | None) -> Iterator[TextIO]:
    """Standard output, or a file written beside its destination and renamed into place only on success."""
    if not path:
        yield sys.stdout
        return
    partial = f"{path}.partial"
    try:
        with open(partial, "w", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def from_ledger(args: argparse.Namespace, out: TextIO) -> None:
    from botocore.exceptions import BotoCoreError, ClientError
    from pydantic import ValidationError

    from factor_cleanup.reports.build import ledger_report, period_since
    from factor_cleanup.runtime import bootstrap

    try:
        app = args.app or bootstrap.build_app()
        period = period_since(app.clock, args.since)
        depth = app.queue_stats.dlq_depth() if app.queue_stats else None
        ledger_report(args.format, app.ledger, period, out, dlq_depth=depth, rows=args.rows)
    except (BotoCoreError, ClientError, ValidationError) as exc:
        raise ReportUnavailable(f"cannot read the ledger {os.environ.get('LEDGER_TABLE')!r}: {exc}") from None


def from_server(args: argparse.Namespace, out: TextIO) -> None:
    """Tables are drawn here from the JSON; the other forms are copied through as the server streams them."""
    query = {"since": args.since}
    rows = TABLE_ROWS if args.format == "table" and args.rows is None else args.rows
    if rows is not None:
        query["rows"] = str(rows)
    form = "json" if args.format == "table" else args.format
    url = f"http://127.0.0.1:{args.port}/reports/cleanup.{form}?{urlencode(query)}"
    with _get(url) as response:
        if args.format == "table":
            from factor_cleanup.reports.build import render_table

            out.write(render_table(json.load(response)) + "\n")
        else:
            shutil.copyfileobj(io.TextIOWrapper(response, encoding="utf-8", newline=""), out)


@contextmanager
def _get(url: str) -> Iterator[Any]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            yield response
    except urllib.error.HTTPError as exc:
        raise ReportUnavailable(
            f"the local stack answered {exc.code}: {exc.read().decode('utf-8', 'replace')}"
        ) from None
    except urllib.error.URLError as exc:
        raise ReportUnavailable(
            f"nothing answers at {url} ({exc.reason}). Start `make run`, or set LEDGER_TABLE to read DynamoDB directly.",
            2,
        ) from None
