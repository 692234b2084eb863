"""Which reviewed `would_delete` decisions were applied later, and with what outcome.

`apply` decides a reviewed factor again and records a new ledger row whose `reviewed_event_sid` names the
`would_delete` row it came from. The report marks each `would_delete` row with the latest such row. Memory
grows with the applying rows only, never with the rows of the period.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from factor_cleanup.domain.decision_record import DecisionRecord, Outcome

APPLIED_KEYS = ("applied_outcome", "applied_reason_code", "applied_event_sid", "applied_at")


@dataclass(frozen=True)
class Application:
    outcome: str
    reason_code: str
    event_id: str
    at: str


class Applications:
    """Applying rows by the event sid of the decision they reviewed; the newest one wins."""

    def __init__(self) -> None:
        self._by_reviewed: dict[str, Application] = {}

    def note(self, action: DecisionRecord) -> None:
        reviewed = action.reviewed_event_id
        if not reviewed:
            return
        known = self._by_reviewed.get(reviewed)
        if known is None or (action.at, action.event_id) >= (known.at, known.event_id):
            self._by_reviewed[reviewed] = Application(
                str(action.outcome), action.reason_code, action.event_id, action.at
            )

    def mark(self, row: dict[str, Any]) -> dict[str, Any]:
        """Add APPLIED_KEYS to a report row: set on an applied `would_delete` row, None on every other row."""
        found = self._by_reviewed.get(row["event_sid"]) if row.get("outcome") == Outcome.WOULD_DELETE.value else None
        values = (found.outcome, found.reason_code, found.event_id, found.at) if found else (None,) * len(APPLIED_KEYS)
        row.update(zip(APPLIED_KEYS, values, strict=True))
        return row


def applications_in(actions: Iterable[DecisionRecord]) -> Applications:
    """Read a period once for its applying rows: streamed reports write a row before its application is read."""
    found = Applications()
    for action in actions:
        found.note(action)
    return found


def applied_label(row: dict[str, Any]) -> str | None:
    """`deleted`, `skipped: alive`, `not applied` for a `would_delete` row; None for any other row."""
    if row.get("outcome") != Outcome.WOULD_DELETE.value:
        return None
    outcome = row.get("applied_outcome")
    if not outcome:
        return "not applied"
    reason = row.get("applied_reason_code")
    return f"{outcome}: {reason}" if outcome == Outcome.SKIPPED.value and reason else str(outcome)
