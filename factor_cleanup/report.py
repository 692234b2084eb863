"""The cleanup report: every decision in a period, and counts ops can scan first."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any, Iterable

from factor_cleanup.actions import Action, Outcome
from factor_cleanup.ports import Clock, Ledger


def parse_period(text: str) -> timedelta:
    """`7d`, `24h`, `90m` -> a timedelta; raises ValueError with the accepted forms."""
    units = {"d": "days", "h": "hours", "m": "minutes"}
    text = text.strip().lower()
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit():
        raise ValueError(f"period {text!r} is not a number followed by d, h or m (e.g. 7d, 24h)")
    return timedelta(**{units[text[-1]]: int(text[:-1])})


def cleanup_report(actions: Iterable[Action], start: datetime, end: datetime) -> dict[str, Any]:
    rows = [action.model_dump(exclude_none=False) for action in actions]
    by_outcome = Counter(row["outcome"] for row in rows)
    return {
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "actions": rows,
        "summary": {
            "total": len(rows),
            "by_outcome": {outcome.value: by_outcome.get(outcome.value, 0) for outcome in Outcome},
        },
    }


def period_report(ledger: Ledger, clock: Clock, since: str) -> dict[str, Any]:
    """The report for the last `since` (e.g. `7d`), up to and including the current second."""
    end = clock.now() + timedelta(seconds=1)
    start = end - parse_period(since)
    return cleanup_report(ledger.actions_between(start, end), start, end)


def render_table(report: dict[str, Any]) -> str:
    """A plain-text table a person can read in a terminal: counts first, then each action."""
    summary = report["summary"]
    counts = "  ".join(f"{name} {count}" for name, count in summary["by_outcome"].items())
    lines = [f"Cleanup report {report['period']['start'][:19]} -> {report['period']['end'][:19]} UTC",
             f"{summary['total']} decisions: {counts}", ""]  # fmt: skip
    columns = ("at", "outcome", "factor_sid", "identity", "error_code", "reason")
    widths = {"at": 20, "outcome": 12, "factor_sid": 34, "identity": 18, "error_code": 10}
    lines.append("  ".join(c.upper().ljust(widths.get(c, 0)) for c in columns))
    for row in report["actions"]:
        lines.append("  ".join(str(row.get(c) or "-").ljust(widths.get(c, 0)) for c in columns))
    if not report["actions"]:
        lines.append("(no decisions in this period)")
    return "\n".join(lines)
