"""What ops must act on, most urgent first, each with what to do about it.

Sources: the ledger (configuration errors grouped by error code and Verify Service, `failed` decisions,
decisions held back by a safety limit, services push-janitor does not manage, report-only decisions) and
the dead-letter queue's depth.

Extension point for safety limits (issue 5): a limit that stops a deletion records the decision in the
ledger with a `reason_code` listed in HELD_BACK; every such decision is then counted here, grouped by
reason code and service, with that entry's advice. Adding a limit means adding one entry.
"""

from __future__ import annotations

from typing import Any

from factor_cleanup.domain.decision_record import DecisionRecord, Outcome
from factor_cleanup.domain.error_codes import ADVICE, Category
from factor_cleanup.reports.tally import NONE_KEY, Group, GroupKey, Period

SEVERITY_RANK = {"critical": 0, "warning": 1, "info": 2}
KINDS = {  # kind -> severity, in the order items of equal severity are shown
    "configuration": "critical",
    "failed": "critical",
    "dead_letter_queue": "warning",
    "held_back": "warning",
    "unmanaged_service": "info",
    "report_only": "info",
}

HELD_BACK: dict[str, str] = {
    "breaker_open": "a safety limit (the deletion circuit breaker) stopped these deletions, so nothing was deleted: "
    "look for a configuration error above first; once the cause is understood, reset the breaker",
}

_APNS_CREDENTIAL = (
    "check the Verify Service's APNs credential (key id, team id and .p8 key, or the certificate) "
    "is present and current"
)
CODE_ADVICE: dict[str, str] = {
    "52143": "APNs rejected the push: check the APNs credential and that its bundle id (topic) matches the iOS app",
    "52134": "check the APNs credential's environment: a sandbox credential for a production app (or the reverse) "
    "makes every token look invalid",
    "52109": "FCM refused the server credential: upload a valid FCM service-account key to the Verify Service",
    "52101": "the FCM key is invalid: replace the Verify Service's FCM credential",
    "52104": "sender ID mismatch: the FCM credential belongs to another Firebase project than the Android app",
    "52105": "package name mismatch: check the Android package name the Verify Service's FCM credential is for",
    "52117": "the FCM API in use is deprecated: give the Verify Service an FCM HTTP v1 credential",
    **dict.fromkeys(
        ("52131", "52145", "52147", "52148", "52149", "52161", "52162", "52163", "52164"), _APNS_CREDENTIAL
    ),
}
_EVERY_DEVICE = "every device of this service is affected and nothing was deleted"


def attention_key(action: DecisionRecord) -> GroupKey | None:
    """The group an action is counted in when ops must see it, else None."""
    code, service = action.error_code or NONE_KEY, action.service_sid or NONE_KEY
    if action.reason_code in HELD_BACK:
        return ("held_back", action.reason_code, service)
    if action.outcome == Outcome.FAILED.value:
        return ("failed", NONE_KEY, service)
    if action.reason_code == Category.CONFIGURATION.value:
        return ("configuration", code, service)
    if action.reason_code == "unmanaged_service":
        return ("unmanaged_service", NONE_KEY, service)
    if action.outcome == Outcome.WOULD_DELETE.value:
        return ("report_only", NONE_KEY, service)
    return None


def attention_items(groups: dict[GroupKey, Group], period: Period, dlq_depth: int | None) -> list[dict[str, Any]]:
    """Items sorted by severity, then kind, then size: the first line is the one to read first."""
    items = [_item(kind, detail, service, group, period) for (kind, detail, service), group in groups.items()]
    if dlq_depth:
        items.append(_dlq_item(dlq_depth))
    return sorted(
        items, key=lambda i: (SEVERITY_RANK[i["severity"]], list(KINDS).index(i["kind"]), -i["count"], i["title"])
    )


def _item(kind: str, detail: str, service: str, group: Group, period: Period) -> dict[str, Any]:
    title, advice = _WORDING[kind](detail, service, group, period)
    return {
        "severity": KINDS[kind],
        "kind": kind,
        "title": title,
        "advice": advice,
        "count": group.count,
        "service_sid": None if service == NONE_KEY else service,
        "error_code": None if kind == "held_back" or detail == NONE_KEY else detail,
        "reason_code": detail if kind == "held_back" else None,
        "platforms": sorted(group.platforms),
        "first_at": group.first_at,
        "last_at": group.last_at,
        "example_reason": group.example_reason,
    }


def _dlq_item(depth: int) -> dict[str, Any]:
    return {
        "severity": KINDS["dead_letter_queue"],
        "kind": "dead_letter_queue",
        "title": f"{_n(depth, 'message')} in the dead-letter queue",
        "advice": "these events failed every delivery attempt and are still undecided: see why with `make dlq-show`, "
        "fix the cause, then move them back to the work queue with `make dlq-redrive`",
        "count": depth,
        "service_sid": None,
        "error_code": None,
        "reason_code": None,
        "platforms": [],
        "first_at": "",
        "last_at": "",
        "example_reason": "",
    }


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def _configuration(code: str, service: str, group: Group, period: Period) -> tuple[str, str]:
    platforms = "/".join(p for p in sorted(group.platforms) if p != NONE_KEY)
    what = f"Error {code}" if code != NONE_KEY else "Credential failure"
    title = f"{what} on {service}: {_n(group.count, 'event')} in {period.label}" + (
        f" ({platforms})" if platforms else ""
    )
    advice = f"{CODE_ADVICE[code]}; {_EVERY_DEVICE}" if code in CODE_ADVICE else ADVICE[Category.CONFIGURATION]
    return title, advice


def _failed(code: str, service: str, group: Group, period: Period) -> tuple[str, str]:
    title = f"{_n(group.count, 'decision')} failed on {service}: Verify refused the request"
    advice = "Verify answered 401, 403 or another 4xx, so these factors were left as they are: check that the REST "
    advice += (
        "credential (TWILIO_API_KEY_SID, or the account) may manage this Verify Service, then send the events again"
    )
    return title, advice


def _held_back(reason_code: str, service: str, group: Group, period: Period) -> tuple[str, str]:
    return f"{_n(group.count, 'deletion')} held back ({reason_code}) on {service}", HELD_BACK[reason_code]


def _unmanaged(_: str, service: str, group: Group, period: Period) -> tuple[str, str]:
    title = f"{_n(group.count, 'push failure')} from {service}, which is not in VERIFY_SERVICE_SIDS"
    return title, "nothing was deleted there; if push-janitor should clean up this service, add it to VerifyServiceSids"


def _report_only(_: str, service: str, group: Group, period: Period) -> tuple[str, str]:
    title = f"{_n(group.count, 'factor')} would have been deleted on {service} (report-only mode)"
    return title, (
        "review these decisions in the table below; delete exactly these with `make apply SINCE=…` "
        "(a period covering them), or deploy with CleanupMode=delete"
    )


_WORDING = {
    "configuration": _configuration,
    "failed": _failed,
    "held_back": _held_back,
    "unmanaged_service": _unmanaged,
    "report_only": _report_only,
}
