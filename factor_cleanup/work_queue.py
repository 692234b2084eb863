"""The SQS work queue between the webhook intake and the worker."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from factor_cleanup.messages import QueueMessage
from factor_cleanup.ports import QueueUnavailable


class SqsWorkQueue:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._queue_url = queue_url

    def send(self, message: QueueMessage) -> None:
        """Return only once SQS has stored the message; any failure becomes QueueUnavailable."""
        if not self._queue_url:
            raise QueueUnavailable("QUEUE_URL is not configured")
        try:
            self._client.send_message(QueueUrl=self._queue_url, MessageBody=message.model_dump_json(exclude_none=True))
        except (BotoCoreError, ClientError) as exc:
            raise QueueUnavailable(str(exc)) from exc

    def delay_retry(self, receipt_handle: str, seconds: int) -> None:
        """Hide a failed message for `seconds` so its retry waits, without sleeping in the function."""
        self._client.change_message_visibility(
            QueueUrl=self._queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )
