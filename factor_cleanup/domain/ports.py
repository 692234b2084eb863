"""The outside world as the core sees it. Adapters implement these for AWS and Twilio; tests use fakes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO, NamedTuple, Protocol

if TYPE_CHECKING:  # annotations only: the webhook function needs the ports, not every model they name
    from datetime import datetime

    from factor_cleanup.domain.decision_record import DecisionRecord
    from factor_cleanup.domain.factors import Challenge, DeletedBy, FactorRecord, VerifyFactor
    from factor_cleanup.domain.messages import QueueMessage


class QueueUnavailable(RuntimeError):
    """The work queue did not take the message: the sender must not acknowledge the event."""


class Unqueued(NamedTuple):
    """A message of a batch that the queue did not store, and why."""

    message: QueueMessage
    reason: str


class WorkQueue(Protocol):
    def send(self, message: QueueMessage) -> None:
        """Durably enqueue the message or raise QueueUnavailable."""

    def send_batch(self, messages: Sequence[QueueMessage]) -> list[Unqueued]:
        """Enqueue many at once; return those not stored (none: all are). Never raises for a failed entry."""

    def delay_retry(self, receipt_handle: str, seconds: int) -> None:
        """Hide a received message for `seconds` before it comes back: a retry that waits, without sleeping."""


class Ledger(Protocol):
    def record(self, action: DecisionRecord) -> None:
        """Store the decision, replacing any earlier one for the same event."""

    def records_between(self, start: datetime, end: datetime) -> Iterator[DecisionRecord]:
        """Decisions taken in [start, end), oldest first, streamed rather than loaded at once."""

    def get(self, event_id: str) -> DecisionRecord | None:
        """The decision recorded for this event, or None (the worker checks a reviewed decision exists)."""


class VerifyNotFound(Exception):
    """404: the factor (or its entity or service) no longer exists."""


class VerifyRetryable(Exception):
    """429, 5xx, timeout or connection failure: retry after backing off.

    `maybe_done`: the request may have taken effect (a timeout, a 5xx, a broken connection). Only a 429
    is known to be "not processed" (Twilio's word); every other failure counts as a possible success.
    """

    def __init__(self, message: str, retry_after: float | None = None, maybe_done: bool = True) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.maybe_done = maybe_done


class VerifyRejected(Exception):
    """401/403 or another 4xx: retrying will not help; a person has to look."""


class VerifyApi(Protocol):
    def delete_factor(self, service_sid: str, identity: str, factor_sid: str) -> None:
        """Delete the factor, or raise VerifyNotFound / VerifyRetryable / VerifyRejected."""

    def fetch_factor(self, service_sid: str, identity: str, factor_sid: str) -> VerifyFactor:
        """The factor as Verify has it now; raises like delete_factor (VerifyNotFound when it is gone)."""

    def recent_challenges(self, service_sid: str, identity: str, factor_sid: str, limit: int) -> list[Challenge]:
        """Up to `limit` of the factor's challenges, newest first (FactorSid filter, Order=desc)."""

    def list_factors(self, service_sid: str) -> Iterator[VerifyFactor]:
        """Every factor of every entity of the service, page by page (for the registry backfill)."""


class FactorRegistry(Protocol):
    """What push-janitor knows about each factor: identity, status, last sign of life, deletion."""

    def get(self, factor_sid: str) -> FactorRecord | None:
        """The factor's row (read consistently: decisions rely on it), or None when unknown."""

    def record_factor(self, factor: FactorRecord) -> None:
        """Store identity, type and status; never revives a deleted factor, never demotes a verified one."""

    def mark_seen(self, factor_sid: str, at: datetime, via: str) -> bool:
        """Move last_seen forward to `at` (never back); False when it already was at or after `at`.

        It writes nothing else: not identity, service, type or status, which only record_factor stores (from
        Verify's own word). App activity reaches the registry only through here, so whoever may report
        activity cannot supply the identity a DELETE is made with, nor make a 404 look agreed."""

    def mark_deleted(
        self, factor_sid: str, at: datetime, by: DeletedBy, confirmed: bool = False, event_id: str | None = None
    ) -> None:
        """Record the deletion; `confirmed` when Verify told us (factor.deleted). Takes it out of every sweep."""

    def mark_delete_intent(self, factor_sid: str, event_id: str, at: datetime, service_sid: str, identity: str) -> None:
        """Note, before the DELETE, that `event_id` is deleting the factor (its answer may be lost).

        The first event's note stays; a second event marks it contested instead of overwriting it."""

    def clear_delete_intent(self, factor_sid: str, event_id: str) -> None:
        """Take back `event_id`'s note, and only its own: its DELETE was not processed (a 429 or another 4xx),
        so the note must not later claim a deletion someone else made."""

    def verified_push_count(self, service_sid: str) -> int:
        """The service's verified, not deleted push factors: a counter kept on each transition, never a scan."""

    def live_factors_of(self, service_sid: str, identity: str) -> list[str]:
        """SIDs of the identity's verified, not deleted factors."""

    def stale_factors(self, service_sid: str, seen_before: datetime, page_size: int) -> Iterator[FactorRecord]:
        """Verified, not deleted factors last seen before `seen_before`, oldest first, read from an index
        page by page: the cost follows the number of candidates, not the size of the registry."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""


class QueueStats(Protocol):
    def dlq_depth(self) -> int | None:
        """Messages waiting in the dead-letter queue, or None when it cannot be read (the report says unknown)."""


class ReportStore(Protocol):
    def put(self, key: str, body: BinaryIO, content_type: str) -> str:
        """Store the report file under `key` (streamed, however large) and return where it is, e.g. an s3:// URI."""

    def open_command(self, location: str) -> str:
        """The shell command a person with read access runs to open a stored file (no bearer link by email)."""


class Notifier(Protocol):
    def send(self, subject: str, text: str) -> None:
        """Deliver a short plain-text summary to the people who asked for it."""
