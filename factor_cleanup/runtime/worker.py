"""SQS batch processing: each record decided once, concurrently, failing alone.

Powertools keeps the idempotency record (DynamoDB, keyed on the event's own id). Records run in a thread
pool; the Verify adapter bounds the calls in flight, and a deadline gate (deadline.py) starts only the
records that can end before the invocation's timeout. The partial batch response is ours: a list of the
records that raised. Powertools' batch processor did that bookkeeping, but importing it (its event data
classes and parser models) cost the worker's cold start about 40 ms of CPU (README "Performance").
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import structlog
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

from factor_cleanup.domain.messages import QueueMessage, message_parser, parse_message
from factor_cleanup.domain.ports import VerifyRetryable
from factor_cleanup.runtime.deadline import DeadlineGate, NotStarted, RecordBudget

Route = Callable[[Any], Any]
"""What one message kind is handed to: it returns a dict or a pydantic model (the decision's record). The worker
sends each message to its kind's route, and refuses every other kind."""

log = structlog.get_logger(__name__)

MAX_RETRY_DELAY_SECONDS = 900  # the backoff's own ceiling
# The longest Retry-After honoured. SQS allows 12 h, but 8 receives of 12 h would outlast the work queue's
# 4 days' retention and lose the message before it reaches the DLQ; 8 x 6 h leaves two days to spare
# (tests/integration/test_template_limits.py checks it against the template).
MAX_VISIBILITY_SECONDS = 6 * 3600
IN_PROGRESS_RETRY_SECONDS = 30


def retry_delay_seconds(receive_count: int, retry_after: float | None = None, base: int = 10) -> int:
    """Exponential backoff with full jitter, never shorter than Twilio's Retry-After (up to what SQS allows)."""
    ceiling = min(MAX_RETRY_DELAY_SECONDS, base * 2 ** max(0, receive_count - 1))
    delay = random.uniform(ceiling / 2, ceiling)
    if retry_after:
        delay = max(delay, min(retry_after, MAX_VISIBILITY_SECONDS))
    return math.ceil(delay)


class Worker:
    def __init__(
        self,
        routes: Mapping[str, Route],
        persistence: BasePersistenceLayer,
        delay_retry: Callable[[str, int], None],
        idempotency_window_seconds: int,
        record_concurrency: int,
        budget: RecordBudget | None = None,
    ) -> None:
        self._routes = dict(routes)
        message_parser()  # built now, with the worker: every record needs it
        self._budget = budget or RecordBudget()
        self._delay_retry = delay_retry
        self._config = IdempotencyConfig(
            event_key_jmespath="event_id",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=idempotency_window_seconds,
        )
        self._decide_once = idempotent_function(
            data_keyword_argument="message", persistence_store=persistence, config=self._config
        )(self._decide)
        # Records of a batch run at once; the Verify adapter bounds the calls they make to VERIFY_MAX_IN_FLIGHT.
        self._pool = ThreadPoolExecutor(max_workers=record_concurrency, thread_name_prefix="record")

    @property
    def routes(self) -> Mapping[str, Route]:
        """Message kind -> what decides it; bootstrap.py sets the table of each queue."""
        return MappingProxyType(self._routes)

    def handle_batch(self, event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
        """Answer `{"batchItemFailures": [...]}` naming exactly the records that must come back
        (ReportBatchItemFailures): every record whose processing raised, and no other."""
        self._config.register_lambda_context(context)
        gate = self._budget.gate(getattr(context, "get_remaining_time_in_millis", None))
        records = [QueueRecord.from_event(raw) for raw in event.get("Records", [])]
        running = [(record, self._pool.submit(self.process_record, record, gate)) for record in records]
        outcomes = [(record, future.exception()) for record, future in running]
        fatal = next((error for _, error in outcomes if error is not None and not isinstance(error, Exception)), None)
        if fatal is not None:  # the runtime stopping the function (e.g. a timeout): nothing may answer for it
            raise fatal
        failed = [record for record, error in outcomes if error is not None]
        if gate.not_started:  # not failures: they were never tried, and come straight back
            log.info("records_not_started", count=gate.not_started, records=len(records))
        return {"batchItemFailures": [{"itemIdentifier": record.message_id} for record in failed]}

    def process_record(self, record: QueueRecord, gate: DeadlineGate | None = None) -> dict[str, Any]:
        """Decide one record; raise to send it back to the queue (later, with backoff, unless never started)."""
        structlog.contextvars.bind_contextvars(message_id=record.message_id)
        try:
            message = parse_message(record.body)
            structlog.contextvars.bind_contextvars(event_sid=message.event_id)
            with (gate or self._budget.gate(None)).admitted(message.kind):
                return self._decide_once(message=message)
        except NotStarted as exc:
            # Visible again at once, for an invocation with a whole time budget: it was never tried, so no
            # backoff. Leaving it hidden would cost the queue's 360 s visibility timeout instead.
            log.debug("record_not_started", reason=str(exc))
            self._postpone(record, 0)
            raise
        except VerifyRetryable as exc:
            delay = retry_delay_seconds(record.receive_count, exc.retry_after)
            log.warning("verify_retry_later", error=str(exc), delay_seconds=delay)
            self._postpone(record, delay)
            raise
        except IdempotencyAlreadyInProgressError:
            log.info("duplicate_in_progress", delay_seconds=IN_PROGRESS_RETRY_SECONDS)
            self._postpone(record, IN_PROGRESS_RETRY_SECONDS)
            raise
        except Exception as exc:  # unreadable, or a fault: the record comes back after the visibility timeout
            log.warning("record_failed", error=f"{type(exc).__name__}: {exc}"[:500])
            raise
        finally:
            structlog.contextvars.unbind_contextvars("message_id", "event_sid")

    def _decide(self, message: QueueMessage) -> dict[str, Any]:
        route = self._routes.get(message.kind)
        if route is None:
            return self._refuse(message)
        result = route(message)
        return result.model_dump(by_alias=True) if hasattr(result, "model_dump") else result

    def _refuse(self, message: QueueMessage) -> dict[str, Any]:
        """A kind this queue does not take (e.g. a push_failure on the activity queue): never acted on, and
        not retried either, since no retry can make it acceptable. Logged loudly: someone sent it."""
        detail = f"this queue takes only {', '.join(sorted(self._routes))}, not {message.kind}"
        log.error("message_refused", kind=message.kind, event_id=message.event_id, detail=detail)
        return {"event_id": message.event_id, "status": "refused", "detail": detail}

    def _postpone(self, record: QueueRecord, seconds: int) -> None:
        try:
            self._delay_retry(record.receipt_handle, seconds)
        except Exception as exc:  # noqa: BLE001 - the retry still happens, after the queue's visibility timeout
            log.warning("retry_delay_not_set", error=str(exc))


@dataclass(frozen=True)
class QueueRecord:
    """The parts of an SQS event record the worker reads."""

    message_id: str
    receipt_handle: str
    body: str
    receive_count: int = 1

    @classmethod
    def from_event(cls, raw: dict[str, Any]) -> QueueRecord:
        try:
            count = int((raw.get("attributes") or {}).get("ApproximateReceiveCount", 1))
        except (TypeError, ValueError):
            count = 1
        return cls(str(raw["messageId"]), str(raw.get("receiptHandle", "")), str(raw.get("body", "")), count)
