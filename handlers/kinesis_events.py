"""Kinesis (Event Streams sink) -> the work queue, answered as a partial batch response."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord

from factor_cleanup.adapters.aws.sqs_queue import SqsWorkQueue
from factor_cleanup.intake.kinesis import KinesisIntake
from factor_cleanup.runtime import bootstrap, logs

logs.configure()
_intake: KinesisIntake | None = None


def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    global _intake
    if _intake is None:
        config = bootstrap.settings()
        _intake = KinesisIntake(SqsWorkQueue(bootstrap.aws_client("sqs"), config.queue_url), config.twilio_account_sid)
    processor = BatchProcessor(event_type=EventType.KinesisDataStreams, raise_on_entire_batch_failure=False)
    return process_partial_response(
        event=event, record_handler=_record, processor=processor, context=context
    )


def _record(record: KinesisStreamRecord) -> int:
    assert _intake is not None
    return _intake.handle_record(record.kinesis.data_as_bytes())
