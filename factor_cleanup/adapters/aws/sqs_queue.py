"""The SQS work queue between the webhook intake and the worker."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from factor_cleanup.domain.messages import QueueMessage
from factor_cleanup.domain.ports import QueueUnavailable, Unqueued

BATCH_ENTRIES = 10  # SendMessageBatch's limit per call
BATCH_BYTES = 262_144  # ... and on the sum of its bodies (256 KiB)
CALLS_IN_FLIGHT = 8  # within botocore's 10 pooled connections per client


class SqsWorkQueue:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def send(self, message: QueueMessage) -> None:
        """Return only once SQS has stored the message; any failure becomes QueueUnavailable."""
        if not self._queue_url:
            raise QueueUnavailable("QUEUE_URL is not configured")
        try:
            self._client.send_message(QueueUrl=self._queue_url, MessageBody=_body(message))
        except (BotoCoreError, ClientError) as exc:
            raise QueueUnavailable(str(exc)) from exc

    def send_batch(self, messages: Sequence[QueueMessage]) -> list[Unqueued]:
        """SendMessageBatch, 10 a call and CALLS_IN_FLIGHT calls at once: 500 events take a few round trips,
        not 500. Only the entries SQS lists as Successful count; every other one comes back, with why."""
        if not self._queue_url:
            return [Unqueued(message, "QUEUE_URL is not configured") for message in messages]
        chunks = list(_chunks([(message, _body(message)) for message in messages]))
        if len(chunks) <= 1:
            return [failed for chunk in chunks for failed in self._send_chunk(chunk)]
        with ThreadPoolExecutor(max_workers=min(CALLS_IN_FLIGHT, len(chunks)), thread_name_prefix="sqs-batch") as pool:
            return [failed for result in pool.map(self._send_chunk, chunks) for failed in result]

    def _send_chunk(self, chunk: list[tuple[QueueMessage, str]]) -> list[Unqueued]:
        # Entry ids must be unique within the call and match [A-Za-z0-9_-]{1,80}: the position does both.
        entries = [{"Id": str(index), "MessageBody": body} for index, (_, body) in enumerate(chunk)]
        try:
            answer = self._client.send_message_batch(QueueUrl=self._queue_url, Entries=entries)
        except (BotoCoreError, ClientError) as exc:
            return [Unqueued(message, str(exc)) for message, _ in chunk]
        stored = {entry["Id"] for entry in answer.get("Successful", [])}
        reasons = {
            entry["Id"]: f"{entry.get('Code')}: {entry.get('Message', '')}" for entry in answer.get("Failed", [])
        }
        return [
            Unqueued(message, reasons.get(str(index), "not confirmed by SQS"))
            for index, (message, _) in enumerate(chunk)
            if str(index) not in stored
        ]

    def delay_retry(self, receipt_handle: str, seconds: int) -> None:
        """Hide a failed message for `seconds` so its retry waits, without sleeping in the function."""
        self._client.change_message_visibility(
            QueueUrl=self._queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )


def _body(message: QueueMessage) -> str:
    return message.model_dump_json(exclude_none=True)


def _chunks(items: list[tuple[QueueMessage, str]]) -> Iterator[list[tuple[QueueMessage, str]]]:
    """Consecutive runs of at most BATCH_ENTRIES entries and BATCH_BYTES bytes (an oversized body goes alone)."""
    chunk: list[tuple[QueueMessage, str]] = []
    size = 0
    for item in items:
        length = len(item[1].encode("utf-8"))
        if chunk and (len(chunk) == BATCH_ENTRIES or size + length > BATCH_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(item)
        size += length
    if chunk:
        yield chunk
