"""When an app is presumed gone without any push error: the rule for iOS, where APNs no longer reports uninstalls.

A factor is inactive when it has not been seen for INACTIVE_DAYS and the last UNANSWERED_CHALLENGES
challenges sent to it since it was last seen all expired, none is still pending, and Verify's list reaches
back far enough to rule out a recent answer. "Seen" is the latest of the registry's
last_seen, the factor's date_updated in Verify (the caller folds it in) and any approved or denied
challenge Verify lists (one with a response date counts whatever its status: the app answered, if late), so a
registry that missed a webhook cannot get a live factor deleted. Challenges sent within CLOCK_SKEW after
"seen" are not counted as unanswered since: the clocks that dated them differ.
Twilio has no challenge.expired event: only the Verify API knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from factor_cleanup.domain.decision_record import iso_utc
from factor_cleanup.domain.evidence import CLOCK_SKEW
from factor_cleanup.domain.factors import Challenge

CHALLENGE_LOOKBACK = 50  # challenges read per candidate: one Verify page, far more than any rule needs
UNLISTED_MARGIN = timedelta(days=1)  # a challenge older than the list may have been answered this much later


@dataclass(frozen=True)
class InactivityVerdict:
    inactive: bool
    reason_code: (
        str  # inactive | alive | answered_recently | challenge_pending | too_few_unanswered | unlisted_challenges
    )
    reason: str
    last_seen: datetime
    """The registry's last_seen, moved forward to the latest answered challenge found."""
    evidence_at: datetime | None = None
    """When inactive: the creation of the newest expired challenge, the latest evidence that the app is gone."""


@dataclass(frozen=True)
class InactivityRule:
    inactive_days: int = 30
    unanswered_challenges: int = 3

    def cutoff(self, now: datetime) -> datetime:
        """Factors last seen before this are candidates."""
        return now - timedelta(days=self.inactive_days)

    def judge(self, last_seen: datetime, challenges: list[Challenge], now: datetime) -> InactivityVerdict:
        """Apply the rule to the factor's recent challenges (any order)."""
        cutoff = self.cutoff(now)
        if last_seen >= cutoff:
            return InactivityVerdict(
                False, "alive", f"seen {iso_utc(last_seen)}, within {self.inactive_days} days", last_seen
            )
        answers = [c.answered_at for c in challenges if c.answered or c.responded_at]
        seen = max([last_seen, *answers])
        if seen >= cutoff:
            reason = f"a challenge was answered {iso_utc(seen)}, within {self.inactive_days} days"
            return InactivityVerdict(False, "answered_recently", reason, seen)
        if len(challenges) >= CHALLENGE_LOOKBACK and min(c.created_at for c in challenges) > cutoff - UNLISTED_MARGIN:
            reason = (
                f"Verify listed its newest {len(challenges)} challenges, all from the last {self.inactive_days} days:"
                " an answer among older ones cannot be ruled out"
            )
            return InactivityVerdict(False, "unlisted_challenges", reason, seen)
        counted_after = seen + CLOCK_SKEW
        since = sorted(
            (c for c in challenges if c.created_at > counted_after), key=lambda c: c.created_at, reverse=True
        )
        latest = since[: self.unanswered_challenges]
        waiting = [c for c in since if c.status != "expired"]  # any one still open may yet be answered
        if waiting:
            reason = f"challenge {waiting[0].sid} is {waiting[0].status}; decide after it expires"
            return InactivityVerdict(False, "challenge_pending", reason, seen)
        if len(latest) < self.unanswered_challenges:
            reason = (
                f"not seen since {iso_utc(seen)}, but only {len(latest)} challenge(s) went unanswered since "
                f"(the rule needs {self.unanswered_challenges}); kept until there is more evidence"
            )
            return InactivityVerdict(False, "too_few_unanswered", reason, seen)
        first, last = iso_utc(latest[-1].created_at), iso_utc(latest[0].created_at)
        reason = (
            f"not seen for {round((now - seen) / timedelta(days=1))} days (since {iso_utc(seen)}) and the last "
            f"{len(latest)} challenges ({first} to {last}) all expired unanswered: the app is presumed gone"
        )
        return InactivityVerdict(True, "inactive", reason, seen, evidence_at=latest[0].created_at)
