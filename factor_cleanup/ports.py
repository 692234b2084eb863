"""The outside world as the core sees it. Adapters implement these for AWS and Twilio; tests use fakes."""

from __future__ import annotations

from datetime import datetime
from typing import Iterator, Protocol

from factor_cleanup.actions import Action
from factor_cleanup.messages import QueueMessage


class QueueUnavailable(RuntimeError):
    """The work queue did not take the message: the sender must not acknowledge the event."""


class WorkQueue(Protocol):
    def send(self, message: QueueMessage) -> None:
        """Durably enqueue the message or raise QueueUnavailable."""


class Ledger(Protocol):
    def record(self, action: Action) -> None:
        """Store the decision, replacing any earlier one for the same event."""

    def actions_between(self, start: datetime, end: datetime) -> Iterator[Action]:
        """Decisions taken in [start, end), oldest first, streamed rather than loaded at once."""


class VerifyNotFound(Exception):
    """404: the factor (or its entity or service) no longer exists."""


class VerifyRetryable(Exception):
    """429, 5xx, timeout or connection failure: not processed, safe to retry after backing off."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class VerifyRejected(Exception):
    """401/403 or another 4xx: retrying will not help; a person has to look."""


class VerifyApi(Protocol):
    def delete_factor(self, service_sid: str, identity: str, factor_sid: str) -> None:
        """Delete the factor, or raise VerifyNotFound / VerifyRetryable / VerifyRejected."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
