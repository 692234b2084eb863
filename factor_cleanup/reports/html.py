"""The report as one self-contained HTML page: attention first, then totals, the chart and the actions.

Nothing is fetched and nothing runs (a Content-Security-Policy forbids both), every value is escaped
(identities are customer data). The action table is report_html_actions.py.
"""

from __future__ import annotations

from html import escape
from typing import Any

from factor_cleanup.reports.html_actions import OUTCOMES, actions_section
from factor_cleanup.reports.html_actions import STYLE as ACTIONS_STYLE
from factor_cleanup.reports.svg import deletions_chart, legend

BREAKDOWN_ROWS = 10
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"  # the page and its HTTP header
_BREAKDOWNS = (
    ("by_reason", "By reason"),
    ("by_error_code", "By error code"),
    ("by_service", "By Verify Service"),
    ("by_platform", "By platform"),
)
_STYLE = (
    """
:root{--fg:#1f2328;--muted:#57606a;--line:#d0d7de;--soft:#f6f8fa;--crit:#b42318;--warn:#9a6700;--info:#0969da;--ok:#1a7f37}
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fff}
main{max-width:1400px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;margin:0}h2{font-size:1.15rem;margin:28px 0 10px}h3{font-size:1rem;margin:0 0 6px}
.period{color:var(--muted);margin:2px 0 0}
#attention ol{list-style:none;padding:0;margin:0}
#attention li{border-left:5px solid var(--info);background:var(--soft);padding:10px 12px;margin:0 0 8px;border-radius:4px}
#attention li.critical{border-color:var(--crit)}#attention li.warning{border-color:var(--warn)}
#attention .title{font-weight:600;overflow-wrap:anywhere}#attention p{margin:4px 0 0}
.badge{display:inline-block;font-size:.72rem;font-weight:700;text-transform:uppercase;letter-spacing:.03em;
padding:1px 6px;border-radius:3px;color:#fff;background:var(--info);margin-right:6px;vertical-align:2px}
.critical .badge{background:var(--crit)}.warning .badge{background:var(--warn)}
.muted{color:var(--muted)}.ok{border-left:5px solid var(--ok);background:var(--soft);padding:10px 12px;border-radius:4px}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(110px,1fr));gap:8px}
.tile{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:8px 10px;color:inherit;text-decoration:none}
a.tile:hover{border-color:var(--fg)}
.tile .n{display:block;font-size:1.5rem;font-weight:700;font-variant-numeric:tabular-nums}
.tile .l{color:var(--muted);font-size:.85rem}
figure{margin:16px 0 0;max-width:560px}figcaption{font-weight:600;margin-bottom:4px}
svg{display:block;width:100%;height:auto}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 14px;padding:0;margin:6px 0 0;font-size:.85rem;color:var(--muted)}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px}
.breakdowns{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,320px),1fr));gap:16px;margin-top:20px}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
td{overflow-wrap:anywhere}th{background:var(--soft)}
.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.outcome{font-weight:600}.outcome.deleted{color:var(--ok)}.outcome.failed{color:var(--crit)}
.outcome.would_delete{color:var(--warn)}
.sid,.event,.breakdowns td:first-child{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.75rem}
.event{display:block;color:var(--muted);margin-top:2px}.scroll{overflow-x:auto}
@media (max-width:640px){main{padding:12px}}
"""
    + ACTIONS_STYLE
)


def render_html(report: dict[str, Any]) -> str:
    summary, period = report["summary"], report["period"]
    span = f"{_when(period['start'])} – {_when(period['end'])} UTC"
    return "".join(
        [
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta http-equiv="Content-Security-Policy" content="{REPORT_CSP}">',
            f"<title>push-janitor cleanup report, {escape(span)}</title><style>{_STYLE}</style></head><body><main>",
            f'<header><h1>Cleanup report</h1><p class="period">{escape(span)}</p></header>',
            _attention(summary.get("attention", [])),
            _summary(summary),
            actions_section(report["actions"], summary, report.get("actions_omitted", 0)),
            "</main></body></html>\n",
        ]
    )


def _when(iso: str) -> str:
    return iso[:16].replace("T", " ")


def _attention(items: list[dict[str, Any]]) -> str:
    if not items:
        return '<section id="attention"><h2>Needs attention</h2><p class="ok">Nothing needs attention.</p></section>'
    entries = "".join(
        f'<li class="{escape(item["severity"])}" data-kind="{escape(item["kind"])}">'
        f'<span class="badge">{escape(item["severity"])}</span><span class="title">{escape(item["title"])}</span>'
        f"<p><strong>What to do:</strong> {escape(item['advice'])}</p>"
        + (f'<p class="muted">e.g. {escape(item["example_reason"])}</p>' if item["kind"] == "failed" else "")
        + "</li>"
        for item in items
    )
    return f'<section id="attention"><h2>Needs attention ({len(items)})</h2><ol>{entries}</ol></section>'


def _summary(summary: dict[str, Any]) -> str:
    tiles = f'<div class="tile" id="tile-total"><span class="n">{summary["total"]:,}</span><span class="l">Events</span></div>'
    tiles += "".join(  # each outcome's tile opens the action table narrowed to it
        f'<a class="tile" id="tile-{key}" href="#only-{key}"><span class="n">{summary["by_outcome"].get(key, 0):,}</span>'
        f'<span class="l">{label}</span></a>'
        for key, label in OUTCOMES
    )
    depth = summary.get("dlq_depth")
    tiles += (
        f'<div class="tile" id="tile-dlq"><span class="n">{"–" if depth is None else f"{depth:,}"}</span>'
        '<span class="l">Dead-letter queue</span></div>'
    )
    chart = (
        f'<figure id="chart"><figcaption>Deletions per day</figcaption>'
        f"{deletions_chart(summary.get('deletions_per_day', []))}{legend()}</figure>"
    )
    tables = "".join(_breakdown(title, summary.get(key) or {}) for key, title in _BREAKDOWNS)
    return (
        f'<section id="summary"><h2>Summary</h2><div class="tiles">{tiles}</div>{chart}'
        f'<div class="breakdowns">{tables}</div></section>'
    )


def _breakdown(title: str, counts: dict[str, int]) -> str:
    items = list(counts.items())
    shown = items[:BREAKDOWN_ROWS]
    rows = "".join(f'<tr><td>{escape(str(name))}</td><td class="num">{count:,}</td></tr>' for name, count in shown)
    if len(items) > BREAKDOWN_ROWS:
        rest = sum(count for _, count in items[BREAKDOWN_ROWS:])
        rows += f'<tr><td class="muted">{len(items) - BREAKDOWN_ROWS:,} more</td><td class="num">{rest:,}</td></tr>'
    if not rows:
        rows = '<tr><td class="muted">none</td><td class="num">0</td></tr>'
    return f"<div><h3>{escape(title)}</h3><table>{rows}</table></div>"
