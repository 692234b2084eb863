"""Event Streams' Kinesis sink: error-log records become the same queue messages as webhook deliveries.

IAM authenticates Kinesis (Twilio writes through a role it assumes, with an external id), so there is
no signature to check; the account still is. A record that cannot be queued fails alone and comes
back (ReportBatchItemFailures); an unreadable or foreign one is logged and skipped, never retried forever.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord

from factor_cleanup.domain.messages import PushFailure
from factor_cleanup.domain.ports import QueueUnavailable, WorkQueue
from factor_cleanup.intake.debugger import MalformedEvent
from factor_cleanup.intake.event_streams import (
    ERROR_LOGGED,
    CloudEvent,
    error_log_to_push_failure,
    kinesis_record_events,
)

log = structlog.get_logger(__name__)


@dataclass
class KinesisIntake:
    queue: WorkQueue
    account_sid: str

    def handle_batch(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """A Lambda batch of Kinesis records, answered as a partial batch response: each record fails alone."""
        processor = BatchProcessor(event_type=EventType.KinesisDataStreams, raise_on_entire_batch_failure=False)
        return dict(
            process_partial_response(event=event, record_handler=self._record, processor=processor, context=context)
        )

    def _record(self, record: KinesisStreamRecord) -> int:
        return self.handle_record(record.kinesis.data_as_bytes())

    def handle_record(self, data: bytes) -> int:
        """Queue the record's push failures in one batch send; returns how many. Raises QueueUnavailable when
        SQS did not store them all: the record is retried whole, and the copies already stored are decided
        once (their event_id, the error log's NO sid, is the worker's idempotency key)."""
        try:
            events = kinesis_record_events(data)
        except MalformedEvent as exc:
            log.warning("kinesis_record_unreadable", error=str(exc))
            return 0
        failures = [failure for failure in map(self._failure, events) if failure is not None]
        unqueued = self.queue.send_batch(failures)
        if unqueued:
            raise QueueUnavailable(f"{len(unqueued)} of {len(failures)} events not queued: {unqueued[0].reason}")
        for failure in failures:
            log.info("event_queued", source="event_streams", event_sid=failure.event_id, factor_sid=failure.factor_sid)
        return len(failures)

    def _failure(self, raw: object) -> PushFailure | None:
        """The event's push failure, or None (logged) for anything that is not one of ours."""
        try:
            event = CloudEvent.model_validate(raw)
            failure = error_log_to_push_failure(event) if event.type == ERROR_LOGGED else None
        except (ValueError, MalformedEvent) as exc:  # pydantic's ValidationError is a ValueError
            log.warning("kinesis_event_rejected", error=str(exc)[:300])
            return None
        if failure is not None and failure.account_sid != self.account_sid:
            log.warning("kinesis_event_wrong_account", event_sid=failure.event_id, account_sid=failure.account_sid)
            return None
        return failure
