"""Deletions per day as an inline SVG bar chart: no script, no external asset, readable from 375 px up."""

from __future__ import annotations

import math
from html import escape
from typing import Any

WIDTH, HEIGHT = 320, 170
LEFT, RIGHT, TOP, BOTTOM = 34, 8, 12, 26
SERIES = (
    ("deleted", "Deleted", "#1a7f37"),
    ("already_gone", "Already gone", "#8c959f"),
    ("would_delete", "Would delete", "#d4a72c"),
)


def deletions_chart(days: list[dict[str, Any]]) -> str:
    """Stacked bars per UTC day; each bar carries a <title> so a tap or hover tells the exact numbers."""
    peak = max((_total(day) for day in days), default=0)
    parts = [
        f'<svg id="deletions-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title" '
        'font-family="system-ui, sans-serif" font-size="11">',
        '<title id="chart-title">Deletions per day</title>',
        _axes(peak),
    ]
    if peak:
        parts += _bars(days, peak)
    else:
        parts.append(
            f'<text x="{(LEFT + WIDTH) / 2:.0f}" y="{HEIGHT / 2:.0f}" text-anchor="middle" fill="#57606a">'
            "No deletions in this period</text>"
        )
    parts += _day_labels(days)
    parts.append("</svg>")
    return "".join(parts)


def legend() -> str:
    items = "".join(
        f'<li><span class="swatch" style="background:{colour}"></span>{label}</li>' for _, label, colour in SERIES
    )
    return f'<ul class="legend">{items}</ul>'


def _total(day: dict[str, Any]) -> int:
    return sum(int(day.get(key, 0)) for key, _, _ in SERIES)


def _axes(peak: int) -> str:
    base = HEIGHT - BOTTOM
    lines = [f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="#8c959f"/>']
    if peak:
        lines.append(
            f'<line x1="{LEFT}" y1="{TOP}" x2="{WIDTH - RIGHT}" y2="{TOP}" stroke="#d0d7de" stroke-dasharray="3 3"/>'
        )
        lines.append(f'<text x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end" fill="#57606a">{peak:,}</text>')
    lines.append(f'<text x="{LEFT - 4}" y="{base + 4}" text-anchor="end" fill="#57606a">0</text>')
    return "".join(lines)


def _slot(days: list[dict[str, Any]]) -> float:
    return (WIDTH - LEFT - RIGHT) / max(1, len(days))


def _bars(days: list[dict[str, Any]], peak: int) -> list[str]:
    slot, scale = _slot(days), (HEIGHT - TOP - BOTTOM) / peak
    width = max(1.0, slot * 0.7)
    parts = []
    for index, day in enumerate(days):
        x, y = LEFT + index * slot + (slot - width) / 2, float(HEIGHT - BOTTOM)
        words = ", ".join(f"{int(day.get(key, 0)):,} {label.lower()}" for key, label, _ in SERIES)
        parts.append(
            f'<g class="bar" data-day="{escape(str(day["day"]))}"><title>{escape(str(day["day"]))}: {words}</title>'
        )
        for key, _, colour in SERIES:
            height = int(day.get(key, 0)) * scale
            if height:
                y -= height
                parts.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{colour}"/>'
                )
        parts.append("</g>")
    return parts


def _day_labels(days: list[dict[str, Any]]) -> list[str]:
    """At most six labels (MM-DD), always including the last day, so they never overlap."""
    if not days:
        return []
    slot, step = _slot(days), math.ceil(len(days) / 6)
    shown = set(range(len(days) - 1, -1, -step))
    y = HEIGHT - BOTTOM + 16
    return [
        f'<text x="{LEFT + index * slot + slot / 2:.1f}" y="{y}" text-anchor="middle" fill="#57606a">'
        f"{escape(str(day['day'])[5:])}</text>"
        for index, day in enumerate(days)
        if index in shown
    ]
