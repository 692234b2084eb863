"""The worker on moto (Powertools batch and idempotency, the DynamoDB ledger) over a fake Verify, and its SQS events."""

from __future__ import annotations

from factor_cleanup.adapters.aws.sqs_queue import SqsWorkQueue
from factor_cleanup.domain.factors import FactorRecord
from factor_cleanup.domain.messages import PushFailure
from factor_cleanup.local.events import LocalLambdaContext, sqs_event
from tests.conftest import FACTOR_SID, IDENTITY, SERVICE_SID
from tests.fake_app import moto_app, settings
from tests.fakes import FakeRegistry, FakeVerify

FACTOR = (SERVICE_SID, IDENTITY, FACTOR_SID)


class RetryAtOnceQueue(SqsWorkQueue):
    """The work queue on moto. It records each retry delay the worker asks for, and retries at once."""

    def __init__(self, aws) -> None:
        super().__init__(aws.sqs, aws.queue_url)
        self.delays: list[tuple[str, int]] = []

    def delay_retry(self, receipt_handle: str, seconds: int) -> None:
        self.delays.append((receipt_handle, seconds))
        super().delay_retry(receipt_handle, 0)


class Harness:
    """The worker as build_app makes it, on moto, over a fake Verify and a registry that knows the factor."""

    def __init__(self, aws, mode="delete"):
        self.aws = aws
        self.verify = FakeVerify({FACTOR})
        self.queue = RetryAtOnceQueue(aws)
        self.delays = self.queue.delays
        self.registry = FakeRegistry()
        self.registry.record_factor(
            FactorRecord(FACTOR_SID, SERVICE_SID, IDENTITY, factor_type="push", status="verified")
        )
        config = settings(cleanup_mode=mode, idempotency_window_seconds=3600, worker_record_concurrency=4)
        self.app = moto_app(aws, config, verify=self.verify, registry=self.registry, work_queue=self.queue)
        self.ledger = self.app.ledger
        self.worker = self.app.worker

    def handle(self, event):
        return self.worker.handle_batch(event, LocalLambdaContext())

    def ledger_items(self):
        return self.aws.dynamodb.scan(TableName=self.aws.ledger_table)["Items"]


def message(event_id="NO" + "1" * 32, **changes) -> str:
    fields = dict(
        event_id=event_id,
        source="debugger",
        error_code="52103",
        service_sid=SERVICE_SID,
        identity=IDENTITY,
        factor_sid=FACTOR_SID,
        occurred_at="2026-11-25T11:59:00Z",
    )
    return PushFailure(**{**fields, **changes}).model_dump_json()


def records(*bodies: str, receive_count: int = 1) -> dict:
    raw = [
        {
            "MessageId": f"m{i}",
            "ReceiptHandle": f"r{i}",
            "Body": body,
            "Attributes": {"ApproximateReceiveCount": str(receive_count)},
        }
        for i, body in enumerate(bodies)
    ]
    return sqs_event(raw, "arn:aws:sqs:us-east-1:123456789012:work")
