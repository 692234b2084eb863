"""The worker on moto: Powertools batch + idempotency, the DynamoDB ledger, SQS retries and the DLQ."""

from __future__ import annotations

import json

import pytest
from moto import mock_aws

from factor_cleanup.domain.ports import VerifyRetryable
from factor_cleanup.local.poller import SqsPoller
from factor_cleanup.runtime.worker import retry_delay_seconds
from tests.aws import local_aws
from tests.conftest import FACTOR_SID
from tests.support.worker import FACTOR, Harness, message, records


@pytest.fixture
def aws():
    with mock_aws():
        yield local_aws()


def test_dead_factor_is_deleted_and_the_ledger_says_so(aws):
    h = Harness(aws)
    assert h.handle(records(message())) == {"batchItemFailures": []}
    assert h.verify.calls == [FACTOR]
    [item] = h.ledger_items()
    assert item["outcome"]["S"] == "deleted" and item["factor_sid"]["S"] == FACTOR_SID
    assert item["event_sid"]["S"] == "NO" + "1" * 32 and item["day"]["S"] == "2026-11-25"
    assert int(item["expires_at"]["N"]) > 0


def test_same_event_three_times_in_one_batch_deletes_once(aws):
    h = Harness(aws)
    batch = records(message(), message(), message())
    failures = h.handle(batch)["batchItemFailures"]
    for _ in range(3):  # duplicates still in progress come back, as SQS would send them
        if not failures:
            break
        ids = {f["itemIdentifier"] for f in failures}
        again = {"Records": [r for r in batch["Records"] if r["messageId"] in ids]}
        failures = h.handle(again)["batchItemFailures"]
    assert failures == []
    assert h.verify.calls == [FACTOR]
    assert len(h.ledger_items()) == 1


def test_redelivered_batch_gives_no_second_delete(aws):
    h = Harness(aws)
    batch = records(message("NO" + "1" * 32), message("NO" + "2" * 32, factor_sid="YF" + "2" * 32))
    h.handle(batch)
    calls = list(h.verify.calls)
    assert h.handle(batch) == {"batchItemFailures": []}  # e.g. after a Lambda timeout
    assert h.verify.calls == calls and len(h.ledger_items()) == 2


def test_a_malformed_record_fails_alone(aws):
    h = Harness(aws)
    response = h.handle(records("{not json", json.dumps({"kind": "something-else"}), message()))
    assert sorted(f["itemIdentifier"] for f in response["batchItemFailures"]) == ["m0", "m1"]
    assert h.verify.calls == [FACTOR]


def test_transient_verify_error_fails_the_record_and_backs_off(aws):
    h = Harness(aws)
    h.verify.delete_errors.append(VerifyRetryable("HTTP 429 code 20429", retry_after=40))
    response = h.handle(records(message(), receive_count=1))
    assert response == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    assert h.delays and h.delays[0][1] >= 40  # Retry-After honoured
    assert h.ledger_items() == []
    assert h.handle(records(message(), receive_count=2)) == {"batchItemFailures": []}  # the retry succeeds
    assert len(h.verify.calls) == 2 and h.ledger_items()[0]["outcome"]["S"] == "deleted"


def test_report_only_mode_records_would_delete(aws):
    h = Harness(aws, mode="report-only")
    h.handle(records(message()))
    assert h.verify.calls == [] and h.ledger_items()[0]["outcome"]["S"] == "would_delete"


def test_retries_then_dead_letter_queue_through_real_sqs(aws):
    h = Harness(aws)
    h.verify.delete_errors.extend(VerifyRetryable("HTTP 503") for _ in range(50))
    aws.sqs.send_message(QueueUrl=aws.queue_url, MessageBody=message())
    poller = SqsPoller(aws.sqs, aws.queue_url, h.worker.handle_batch, wait_seconds=0)
    for _ in range(20):
        poller.poll_once()
        if aws.queue_depth(aws.dlq_url):
            break
    assert aws.queue_depth(aws.dlq_url) == 1 and aws.queue_depth(aws.queue_url) == 0
    assert len(h.verify.calls) == 8  # maxReceiveCount in infra/template.yaml
    assert h.ledger_items() == []  # nothing decided: the event waits in the DLQ for a redrive


def test_sqs_takes_the_longest_retry_delay(aws):
    from factor_cleanup.adapters.aws.sqs_queue import SqsWorkQueue

    aws.sqs.send_message(QueueUrl=aws.queue_url, MessageBody=message())
    [received] = aws.sqs.receive_message(QueueUrl=aws.queue_url)["Messages"]
    SqsWorkQueue(aws.sqs, aws.queue_url).delay_retry(received["ReceiptHandle"], retry_delay_seconds(8, 10**6))
    assert "Messages" not in aws.sqs.receive_message(QueueUrl=aws.queue_url, VisibilityTimeout=0)
