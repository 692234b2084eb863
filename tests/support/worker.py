"""The worker on moto (Powertools batch and idempotency, the DynamoDB ledger) over a fake Verify, and its SQS events."""

from __future__ import annotations

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from factor_cleanup.adapters.aws.ledger import DynamoDbLedger
from factor_cleanup.domain.error_codes import ErrorCodePolicy
from factor_cleanup.domain.factors import FactorRecord
from factor_cleanup.domain.messages import PushFailure
from factor_cleanup.local.events import LocalLambdaContext, sqs_event
from factor_cleanup.runtime.worker import Worker, decision_routes
from factor_cleanup.services.cleanup import CleanupService
from tests.conftest import FACTOR_SID, IDENTITY, SERVICE_SID
from tests.fakes import FakeRegistry, FakeVerify, FixedClock

FACTOR = (SERVICE_SID, IDENTITY, FACTOR_SID)


class Harness:
    def __init__(self, aws, mode="delete"):
        self.aws = aws
        self.verify = FakeVerify({FACTOR})
        self.delays: list[tuple[str, int]] = []
        self.ledger = DynamoDbLedger(aws.dynamodb, aws.ledger_table)
        self.registry = FakeRegistry()
        self.registry.record_factor(FactorRecord(FACTOR_SID, SERVICE_SID, IDENTITY, factor_type="push", status="verified"))
        cleanup = CleanupService(self.ledger, self.verify, FixedClock(), ErrorCodePolicy(), frozenset({SERVICE_SID}), mode,
                                 registry=self.registry)  # fmt: skip
        persistence = DynamoDBPersistenceLayer(table_name=aws.idempotency_table, boto3_client=aws.dynamodb)
        self.worker = Worker(decision_routes(cleanup, None), persistence, self._delay, idempotency_window_seconds=3600,
                             record_concurrency=4)  # fmt: skip

    def _delay(self, receipt_handle: str, seconds: int) -> None:
        self.delays.append((receipt_handle, seconds))
        self.aws.sqs.change_message_visibility(QueueUrl=self.aws.queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=0)

    def handle(self, event):
        return self.worker.handle_batch(event, LocalLambdaContext())

    def ledger_items(self):
        return self.aws.dynamodb.scan(TableName=self.aws.ledger_table)["Items"]


def message(event_id="NO" + "1" * 32, **changes) -> str:
    fields = dict(event_id=event_id, source="debugger", error_code="52103", service_sid=SERVICE_SID,
                  identity=IDENTITY, factor_sid=FACTOR_SID, occurred_at="2026-11-25T11:59:00Z")  # fmt: skip
    return PushFailure(**{**fields, **changes}).model_dump_json()


def records(*bodies: str, receive_count: int = 1) -> dict:
    raw = [
        {"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": body, "Attributes": {"ApproximateReceiveCount": str(receive_count)}}
        for i, body in enumerate(bodies)
    ]
    return sqs_event(raw, "arn:aws:sqs:us-east-1:123456789012:work")
