"""The report as plain text for a terminal: what needs attention, then the counts, then the latest actions."""

from __future__ import annotations

import textwrap
from typing import Any

from factor_cleanup.reports.applied import applied_label

CHART_DAYS = 14  # a terminal chart longer than two weeks scrolls the attention items away
BAR_WIDTH = 40
TOP = 5
_BARS = (("deleted", "█"), ("already_gone", "▒"), ("would_delete", "░"))
_COLUMNS = (
    ("at", "AT", 19),
    ("outcome", "OUTCOME", 12),
    ("applied", "APPLIED", 14),
    ("error_code", "CODE", 5),
    ("reason_code", "REASON", 17),
    ("service_sid", "SERVICE", 11),
    ("identity", "IDENTITY", 16),
    ("factor_sid", "FACTOR", 34),
)


def render_table(report: dict[str, Any]) -> str:
    """Sections in the order ops act on them; long SIDs of services are shortened, factor SIDs never are."""
    summary = report["summary"]
    lines = _heading(report) + _attention(summary.get("attention", []), examples=True)
    lines += _summary(summary) + _chart(summary.get("deletions_per_day", []))
    lines += _actions(report["actions"], summary["total"], report.get("actions_omitted", 0))
    return "\n".join(map(_printable, lines))


def render_summary_text(report: dict[str, Any]) -> str:
    """Attention items, counts and chart without any action row or quoted reason: safe to send by email."""
    summary = report["summary"]
    lines = _heading(report) + _attention(summary.get("attention", []), examples=False)
    lines += _summary(summary) + _chart(summary.get("deletions_per_day", []))
    return "\n".join(map(_printable, lines)).rstrip()


def _heading(report: dict[str, Any]) -> list[str]:
    period = report["period"]
    start, end = (period[key][:19].replace("T", " ") for key in ("start", "end"))
    return [f"Cleanup report  {start} -> {end} UTC", ""]


def _printable(line: str) -> str:
    """Identities are customer input: a control character must not move the cursor or recolour the terminal."""
    return "".join(char if char.isprintable() else "?" for char in line)


def _attention(items: list[dict[str, Any]], examples: bool) -> list[str]:
    lines = [f"NEEDS ATTENTION ({len(items)})"]
    if not items:
        return lines + ["  Nothing needs attention.", ""]
    for number, item in enumerate(items, 1):
        lines.append(f"  {number}. [{item['severity']}] {item['title']}")
        lines += textwrap.wrap(f"What to do: {item['advice']}", 100, initial_indent="     ", subsequent_indent="     ")
        if examples and item.get("kind") == "failed" and item.get("example_reason"):
            lines += textwrap.wrap(
                f"e.g. {item['example_reason']}", 100, initial_indent="     ", subsequent_indent="     "
            )
    return lines + [""]


def _summary(summary: dict[str, Any]) -> list[str]:
    outcomes = " · ".join(f"{name.replace('_', ' ')} {count:,}" for name, count in summary["by_outcome"].items())
    lines = ["SUMMARY", f"  {summary['total']:,} events    {outcomes}"]
    if "dlq_depth" in summary:
        depth = summary["dlq_depth"]
        known = f"{depth:,} message" + ("" if depth == 1 else "s") if depth is not None else ""
        lines.append(f"  Dead-letter queue   {known or 'unknown (DEAD_LETTER_QUEUE_URL not set)'}")
    for key, label in (
        ("by_reason", "reason"),
        ("by_error_code", "error code"),
        ("by_service", "service"),
        ("by_platform", "platform"),
    ):
        counts = summary.get(key) or {}
        if counts:
            shown = " · ".join(f"{name} {count:,}" for name, count in list(counts.items())[:TOP])
            more = f" · {len(counts) - TOP} more" if len(counts) > TOP else ""
            lines.append(f"  By {label:<16}{shown}{more}")
    return lines + [""]


def _chart(days: list[dict[str, Any]]) -> list[str]:
    if not days:
        return []
    shown = days[-CHART_DAYS:]
    legend = ", ".join(f"{mark} {name.replace('_', ' ')}" for name, mark in _BARS)
    lines = [f"DELETIONS PER DAY ({legend})" + (f", last {CHART_DAYS} days" if len(days) > CHART_DAYS else "")]
    peak = max((sum(day[name] for name, _ in _BARS) for day in shown), default=0)
    if not peak:
        return lines + ["  No deletions in this period.", ""]
    for day in shown:
        bar = "".join(mark * round(BAR_WIDTH * day[name] / peak) for name, mark in _BARS)
        lines.append(f"  {day['day']}  {bar:<{BAR_WIDTH}}  {sum(day[name] for name, _ in _BARS):,}")
    return lines + [""]


def _actions(rows: list[dict[str, Any]], total: int, omitted: int) -> list[str]:
    heading = f"ACTIONS ({total:,}, newest at the bottom"
    heading += f"; the last {len(rows):,} shown, all of them with --format csv)" if omitted else ")"
    lines = [heading, ("  " + "  ".join(label.ljust(width) for _, label, width in _COLUMNS)).rstrip()]
    for row in rows:
        lines.append("  " + "  ".join(_cell(row, name, width) for name, _, width in _COLUMNS).rstrip())
    if not rows:
        lines.append("  (no decisions in this period)")
    return lines


def _cell(row: dict[str, Any], name: str, width: int) -> str:
    """APPLIED says what became of a `would_delete` row (`not applied`, `deleted`, `skipped: alive`)."""
    value = str((applied_label(row) if name == "applied" else row.get(name)) or "-")
    if name == "at":
        value = value.replace("T", " ").rstrip("Z")
    elif name == "service_sid" and len(value) > width:
        value = value[:6] + "…" + value[-4:]
    elif len(value) > width:
        value = value[: width - 1] + "…"
    return value.ljust(width)
