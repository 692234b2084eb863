"""The HTML report's action table: fits 1280 px, narrows to one outcome without script, marks applied reviews.

Filtering uses CSS `:target`: a link to `#only-deleted` makes that empty anchor the target, and the rules
below hide every other outcome's rows. The page's Content-Security-Policy allows no script, and needs none.
The table has a fixed layout with column widths in percent, so long SIDs and reasons wrap inside their
column instead of pushing the last one off screen; below 640 px each action becomes a card.
"""

from __future__ import annotations

from html import escape
from typing import Any

from factor_cleanup.reports.applied import applied_label

OUTCOMES = (
    ("deleted", "Deleted"),
    ("would_delete", "Would delete"),
    ("already_gone", "Already gone"),
    ("skipped", "Skipped"),
    ("failed", "Failed"),
)
# (row key, heading, width in percent of the table)
_COLUMNS = (
    ("at", "Time (UTC)", 8),
    ("service_sid", "Service", 14),
    ("identity", "Identity", 12),
    ("factor_sid", "Factor", 21),
    ("error_code", "Error", 5),
    ("outcome", "Outcome", 11),
    ("reason", "Reason", 29),
)


def _filter_rules() -> str:
    rules = []
    for key, _ in OUTCOMES:
        rules.append(f"#only-{key}:target~.scroll tbody tr:not(.o-{key}){{display:none}}")
        rules.append(f"#only-{key}:target~nav .f-{key}{{background:var(--fg);color:#fff;border-color:var(--fg)}}")
    return "\n".join(rules)


STYLE = (
    """
#actions table{table-layout:fixed}
#actions td{overflow-wrap:anywhere}#actions .sid{font-size:.72rem}
.filter{display:flex;flex-wrap:wrap;gap:6px;margin:0 0 10px}
.filter a,.filter span{border:1px solid var(--line);border-radius:999px;padding:2px 10px;font-size:.9rem;
color:var(--fg);text-decoration:none;white-space:nowrap}
.filter span{color:var(--muted)}.filter .f-all{background:var(--fg);color:#fff;border-color:var(--fg)}
.only:target~nav .f-all{background:none;color:var(--fg);border-color:var(--line)}
.only{display:block;height:0}
.mark{display:block;font-weight:400;font-size:.8rem;color:var(--muted)}.mark.applied{color:var(--ok)}
"""
    + _filter_rules()
    + """
@media (max-width:640px){
#actions table,#actions tbody,#actions tr,#actions td{display:block}
#actions thead,#actions colgroup{display:none}
#actions tr{border:1px solid var(--line);border-radius:6px;margin:0 0 8px;padding:6px 10px}
#actions td{border:0;padding:2px 0}
#actions td::before{content:attr(data-label) ": ";font-weight:600;color:var(--muted)}
#actions .mark{display:inline;margin-left:6px}
}
"""
)


def actions_section(rows: list[dict[str, Any]], summary: dict[str, Any], omitted: int) -> str:
    total = summary["total"]
    if not rows:
        return f'<section id="actions"><h2>Actions ({total:,})</h2><p class="muted">No decisions in this period.</p></section>'
    note = "Newest first. Pick an outcome to see only its actions."
    if omitted:
        note += f" Showing the latest {len(rows):,} of {total:,} actions; {omitted:,} older ones are left out here,"
        note += " the CSV report has them all."
    anchors = "".join(f'<span class="only" id="only-{key}"></span>' for key, _ in OUTCOMES)
    cols = "".join(f'<col style="width:{width}%">' for _, _, width in _COLUMNS)
    head = "".join(f"<th>{label}</th>" for _, label, _ in _COLUMNS)
    body = "".join(_row(row) for row in reversed(rows))
    return (
        f'<section id="actions">{anchors}<h2>Actions ({total:,})</h2>{_filters(summary)}<p class="muted">{note}</p>'
        f'<div class="scroll"><table><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div></section>"
    )


def _filters(summary: dict[str, Any]) -> str:
    """One link per outcome that has actions; an outcome with none is shown, greyed, without a link."""
    counts = summary["by_outcome"]
    links = [f'<a class="f-all" href="#actions">All {summary["total"]:,}</a>']
    for key, label in OUTCOMES:
        count = counts.get(key, 0)
        text = f"{label} {count:,}"
        links.append(f'<a class="f-{key}" href="#only-{key}">{text}</a>' if count else f"<span>{text}</span>")
    return f'<nav class="filter" aria-label="Show only one outcome">{"".join(links)}</nav>'


def _row(row: dict[str, Any]) -> str:
    outcome = str(row.get("outcome"))
    known = outcome if outcome in dict(OUTCOMES) else "other"
    cells = "".join(_cell(row, key, label) for key, label, _ in _COLUMNS)
    return f'<tr class="o-{known}">{cells}</tr>'


def _cell(row: dict[str, Any], key: str, label: str) -> str:
    value = escape(str(row.get(key) or "–"))
    if key == "at":
        value = value.replace("T", " ").rstrip("Z")
    elif key == "outcome":
        value += _applied_mark(row)
    elif key == "reason":
        value += _reason_detail(row)
    css = f"c-{key} sid" if key.endswith("_sid") else f"c-{key}"
    css += f" outcome {escape(str(row.get('outcome')))}" if key == "outcome" else ""
    return f'<td data-label="{label}" class="{css}">{value}</td>'


def _applied_mark(row: dict[str, Any]) -> str:
    """Under a `would_delete` outcome: what a later `apply` made of it, or that it has not been applied."""
    label = applied_label(row)
    if label is None:
        return ""
    css = "mark applied" if row.get("applied_outcome") else "mark pending"
    return f'<span class="{css}">{escape("applied: " + label if row.get("applied_outcome") else label)}</span>'


def _reason_detail(row: dict[str, Any]) -> str:
    detail = f"event {escape(str(row.get('event_sid') or '–'))}"
    if row.get("reviewed_event_sid"):
        detail += f" · applies {escape(str(row['reviewed_event_sid']))}"
    return f'<span class="event">{detail}</span>'
