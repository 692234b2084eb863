"""Every count a cleanup report shows, gathered in one pass: memory grows with the groups, never with the rows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from factor_cleanup.domain.decision_record import DecisionRecord, Outcome

# Outcomes drawn in the "deletions per day" chart: what was removed, found gone, or would have been removed.
CHARTED = (Outcome.DELETED.value, Outcome.ALREADY_GONE.value, Outcome.WOULD_DELETE.value)
NONE_KEY = "none"


@dataclass(frozen=True)
class Period:
    """A half-open time range [start, end), always timezone-aware."""

    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        """`24 h`, `7 d`, `90 m`: how long the period is, as a person says it."""
        seconds = int((self.end - self.start).total_seconds())
        if seconds % 86400 == 0 and seconds > 2 * 86400:
            return f"{seconds // 86400} d"
        if seconds % 3600 == 0:
            return f"{seconds // 3600} h"
        return f"{max(1, seconds // 60)} m"

    def days(self) -> list[date]:
        """Every UTC day the period touches, so a chart shows quiet days as zero instead of leaving them out."""
        first = self.start.astimezone(UTC).date()
        last = (self.end - timedelta(microseconds=1)).astimezone(UTC).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass
class Group:
    """Actions that share an attention key: how many, when, and one reason to quote."""

    count: int = 0
    first_at: str = ""
    last_at: str = ""
    example_reason: str = ""
    platforms: Counter = field(default_factory=Counter)

    def add(self, action: DecisionRecord) -> None:
        self.count += 1
        self.first_at = min(self.first_at or action.at, action.at)
        self.last_at = max(self.last_at, action.at)
        self.example_reason = self.example_reason or action.reason
        self.platforms[action.platform or NONE_KEY] += 1


GroupKey = tuple[str, str, str]  # (attention kind, error code, service sid)


@dataclass
class Tally:
    """Counters over every action of a period; `grouper` decides which actions ops must look at."""

    period: Period
    grouper: Callable[[DecisionRecord], GroupKey | None]
    total: int = 0
    by_outcome: Counter = field(default_factory=Counter)
    by_reason: Counter = field(default_factory=Counter)
    by_error_code: Counter = field(default_factory=Counter)
    by_service: Counter = field(default_factory=Counter)
    by_platform: Counter = field(default_factory=Counter)
    per_day: dict[str, Counter] = field(default_factory=dict)
    groups: dict[GroupKey, Group] = field(default_factory=dict)

    def add(self, action: DecisionRecord) -> None:
        self.total += 1
        self.by_outcome[action.outcome] += 1
        self.by_reason[action.reason_code] += 1
        self.by_error_code[action.error_code or NONE_KEY] += 1
        self.by_service[action.service_sid or NONE_KEY] += 1
        self.by_platform[action.platform or NONE_KEY] += 1
        if action.outcome in CHARTED:
            self.per_day.setdefault(action.at[:10], Counter())[action.outcome] += 1
        key = self.grouper(action)
        if key:
            self.groups.setdefault(key, Group()).add(action)

    def summary(self) -> dict[str, Any]:
        """The JSON summary; `total` and `by_outcome` (every outcome, zeros included) are the original keys."""
        return {
            "total": self.total,
            "by_outcome": {outcome.value: self.by_outcome.get(outcome.value, 0) for outcome in Outcome},
            "by_reason": _ranked(self.by_reason),
            "by_error_code": _ranked(self.by_error_code),
            "by_service": _ranked(self.by_service),
            "by_platform": _ranked(self.by_platform),
            "deletions_per_day": self.deletions_per_day(),
        }

    def deletions_per_day(self) -> list[dict[str, Any]]:
        rows = []
        for day in self.period.days():
            counts = self.per_day.get(day.isoformat(), Counter())
            rows.append({"day": day.isoformat(), **{outcome: counts.get(outcome, 0) for outcome in CHARTED}})
        return rows


def _ranked(counter: Counter) -> dict[str, int]:
    """Largest first, ties by name, so the same ledger always gives the same report."""
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))
