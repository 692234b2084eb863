"""A ledger of reviewed `would_delete` decisions and their later applications, and the marks a report gives them."""

from __future__ import annotations

import io

from factor_cleanup.domain.decision_record import DecisionRecord
from factor_cleanup.reports.applied import APPLIED_KEYS
from factor_cleanup.reports.build import ledger_report, period_since
from tests.fakes import FixedClock
from tests.report_ledger import NOW

REVIEWED, KEPT_ALIVE, NOT_APPLIED = "NO" + "a1" * 16, "NO" + "a2" * 16, "NO" + "a3" * 16
HELD, APPLIED, ALIVE = "NO" + "b1" * 16, "NO" + "b2" * 16, "NO" + "b3" * 16


def _action(event_sid: str, at: str, outcome: str, reason_code: str, reviewed: str | None = None) -> DecisionRecord:
    return DecisionRecord(
        event_sid=event_sid,
        factor_sid="YF" + event_sid[2:],
        service_sid="VA" + "a" * 32,
        identity="user-1",
        error_code="52103",
        outcome=outcome,
        reason=f"{outcome} because {reason_code}",
        reason_code=reason_code,
        at=at,
        reviewed_event_id=reviewed,
    )


def reviewed_then_applied() -> list[DecisionRecord]:
    """Three reviewed would_delete rows; the first applied twice (held back by the breaker, then deleted),
    the second kept at apply time because its factor answered since, the third never applied."""
    return [
        _action(REVIEWED, "2026-11-25T08:00:00Z", "would_delete", "uninstalled"),
        _action(KEPT_ALIVE, "2026-11-25T08:01:00Z", "would_delete", "inactive"),
        _action(NOT_APPLIED, "2026-11-25T08:02:00Z", "would_delete", "uninstalled"),
        _action(HELD, "2026-11-25T10:00:00Z", "would_delete", "breaker_open", reviewed=REVIEWED),
        _action(APPLIED, "2026-11-25T11:00:00Z", "deleted", "uninstalled", reviewed=REVIEWED),
        _action(ALIVE, "2026-11-25T11:00:01Z", "skipped", "alive", reviewed=KEPT_ALIVE),
    ]


def produce(form: str, ledger, rows: int | None = None) -> str:
    out = io.StringIO()
    ledger_report(form, ledger, period_since(FixedClock(NOW), "24h"), out, rows=rows)
    return out.getvalue()


def marks(rows: list[dict]) -> dict[str, tuple]:
    return {row["event_sid"]: tuple(row[key] or None for key in APPLIED_KEYS) for row in rows}


EXPECTED = {
    REVIEWED: ("deleted", "uninstalled", APPLIED, "2026-11-25T11:00:00Z"),  # the newest application wins
    KEPT_ALIVE: ("skipped", "alive", ALIVE, "2026-11-25T11:00:01Z"),
    NOT_APPLIED: (None,) * 4,
    HELD: (None,) * 4,  # a would_delete row nobody applied yet: the breaker held this application back
    APPLIED: (None,) * 4,
    ALIVE: (None,) * 4,
}
