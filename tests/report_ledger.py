"""A known ledger for the report tests: every number a report shows is counted by hand below."""

from __future__ import annotations

from datetime import UTC, datetime

from factor_cleanup.domain.decision_record import DecisionRecord

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
SERVICE_A = "VA" + "a" * 32
SERVICE_B = "VA" + "b" * 32
SERVICE_C = "VA" + "c" * 32
HOSTILE_IDENTITY = "<script>alert('x')</script>\"&=cmd|' /C calc'!A0"
CONFIG_REASON = "error 52143 is a configuration error: check the push credential"


def _action(n: int, at: str, outcome: str, reason_code: str, **fields: str | None) -> DecisionRecord:
    values = {
        "event_id": f"NO{n:032x}",
        "factor_sid": f"YF{n:032x}",
        "service_sid": SERVICE_A,
        "identity": f"user-{n}",
        "error_code": "52103",
        "platform": "fcm",
        "source": "debugger",
        "reason": f"reason for {n}",
        **fields,
    }
    return DecisionRecord(outcome=outcome, reason_code=reason_code, at=at, **values)


def known_actions() -> list[DecisionRecord]:
    """14 actions in the 7 days before NOW, plus one before and one after that period."""
    return [
        _action(1, "2026-11-10T08:00:00Z", "deleted", "uninstalled"),  # before the period
        _action(2, "2026-11-23T09:00:00Z", "deleted", "uninstalled"),
        _action(3, "2026-11-23T10:00:00Z", "deleted", "uninstalled"),
        _action(4, "2026-11-23T11:00:00Z", "already_gone", "uninstalled", error_code="52141", platform="apn"),
        *(
            _action(
                n,
                f"2026-11-24T0{n - 5}:30:00Z",
                "skipped",
                "configuration",
                error_code="52143",
                platform="apn",
                reason=CONFIG_REASON,
            )
            for n in (5, 6, 7)
        ),
        _action(
            8,
            "2026-11-24T04:00:00Z",
            "failed",
            "verify_rejected",
            service_sid=SERVICE_B,
            reason="Verify refused the DELETE: HTTP 403 (20003)",
        ),
        _action(9, "2026-11-24T05:00:00Z", "skipped", "unmanaged_service", service_sid=SERVICE_C),
        _action(10, "2026-11-24T06:00:00Z", "skipped", "transient", error_code="52110"),
        _action(11, "2026-11-24T07:00:00Z", "skipped", "breaker_open"),
        _action(
            12,
            "2026-11-24T08:00:00Z",
            "skipped",
            "ambiguous_ids",
            factor_sid=None,
            identity=None,
            error_code=None,
            platform=None,
        ),
        _action(13, "2026-11-25T09:00:00Z", "deleted", "uninstalled", service_sid=SERVICE_B, identity=HOSTILE_IDENTITY),
        _action(14, "2026-11-25T10:00:00Z", "would_delete", "uninstalled", platform="apn", error_code="52141"),
        _action(15, "2026-11-25T11:59:59Z", "would_delete", "uninstalled"),
        _action(16, "2026-11-25T12:00:05Z", "deleted", "uninstalled"),  # after NOW: not yet in any report
    ]


TOTAL = 14
BY_OUTCOME = {"deleted": 3, "already_gone": 1, "would_delete": 2, "skipped": 7, "failed": 1}
BY_REASON = {
    "uninstalled": 6,
    "configuration": 3,
    "ambiguous_ids": 1,
    "breaker_open": 1,
    "transient": 1,
    "unmanaged_service": 1,
    "verify_rejected": 1,
}
BY_ERROR_CODE = {"52103": 7, "52143": 3, "52141": 2, "52110": 1, "none": 1}
BY_SERVICE = {SERVICE_A: 11, SERVICE_B: 2, SERVICE_C: 1}
BY_PLATFORM = {"fcm": 8, "apn": 5, "none": 1}
DELETIONS_PER_DAY = [  # 2026-11-18T12:00:01 .. 2026-11-25T12:00:01 touches eight UTC days
    *({"day": f"2026-11-{d}", "deleted": 0, "already_gone": 0, "would_delete": 0} for d in range(18, 23)),
    {"day": "2026-11-23", "deleted": 2, "already_gone": 1, "would_delete": 0},
    {"day": "2026-11-24", "deleted": 0, "already_gone": 0, "would_delete": 0},
    {"day": "2026-11-25", "deleted": 1, "already_gone": 0, "would_delete": 2},
]
ATTENTION_KINDS = ["configuration", "failed", "dead_letter_queue", "held_back", "unmanaged_service", "report_only"]


# The README's columns, in this order; later columns are only ever added after them.
DOCUMENTED_COLUMNS = (
    "at",
    "service_sid",
    "identity",
    "factor_sid",
    "error_code",
    "outcome",
    "reason_code",
    "reason",
    "event_sid",
    "binding_type",
    "source",
)
