"""Feeds SQS messages to a Lambda handler in real SQS event shapes, as Lambda's event source mapping does.

Local stand-in only: on AWS the event source mapping does this. It honours partial batch responses:
messages named in `batchItemFailures` are left on the queue to come back (and reach the DLQ).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import structlog

from factor_cleanup.local.events import LocalLambdaContext, sqs_event

log = structlog.get_logger(__name__)

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class SqsPoller:
    def __init__(self, sqs: Any, queue_url: str, handler: Handler, batch_size: int = 10, wait_seconds: int = 1) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._handler = handler
        self._batch_size = min(batch_size, 10)  # ReceiveMessage's own limit
        self._wait = wait_seconds
        self._arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self._stop = threading.Event()
        self.batches = 0

    def poll_once(self) -> int:
        """Receive one batch, run the handler, delete what succeeded. Returns how many were received."""
        received = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=self._batch_size,
            WaitTimeSeconds=self._wait,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return 0
        event = sqs_event(received, self._arn)
        try:
            response = self._handler(event, LocalLambdaContext()) or {}
            failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
        except Exception:  # like Lambda: an invocation error returns the whole batch
            log.exception("worker_invocation_failed", messages=len(received))
            failed = {message["MessageId"] for message in received}
        done = [m for m in received if m["MessageId"] not in failed]
        if done:
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)]
            self._sqs.delete_message_batch(QueueUrl=self._queue_url, Entries=entries)
        self.batches += 1
        return len(received)

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                log.exception("poll_failed")
                self._stop.wait(1.0)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="sqs-poller", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()
