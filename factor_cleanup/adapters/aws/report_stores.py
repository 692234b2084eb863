"""AWS adapters of the report ports: SQS queue depth, S3 report files, SNS summaries."""

from __future__ import annotations

import shlex
from typing import Any, BinaryIO

import structlog
from botocore.exceptions import BotoCoreError, ClientError

log = structlog.get_logger(__name__)

_DEPTH_ATTRIBUTES = [
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
]
SNS_SUBJECT_MAX = 99  # SNS: ASCII, no line breaks, under 100 characters
SNS_MESSAGE_MAX_BYTES = 250_000  # SNS caps a message at 256 KiB
PRESIGN_SECONDS = 3600  # the link the mailed command prints works for an hour


class SqsQueueStats:
    """Depth of the dead-letter queue (sqs:GetQueueAttributes); a report without it says "unknown" rather than fail."""

    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def dlq_depth(self) -> int | None:
        try:
            attributes = self._client.get_queue_attributes(QueueUrl=self._url, AttributeNames=_DEPTH_ATTRIBUTES)[
                "Attributes"
            ]
        except (BotoCoreError, ClientError) as exc:
            log.warning("dlq_depth_unavailable", queue_url=self._url, error=str(exc))
            return None
        return sum(int(attributes.get(name, 0)) for name in _DEPTH_ATTRIBUTES)


class S3ReportStore:
    """Uploads with the multipart transfer manager, so a report file of any size streams from disk."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def put(self, key: str, body: BinaryIO, content_type: str) -> str:
        self._client.upload_fileobj(body, self._bucket, key, ExtraArgs={"ContentType": content_type})
        return f"s3://{self._bucket}/{key}"

    def open_command(self, location: str) -> str:
        """`aws s3 presign`: prints a one-hour link signed with the reader's own credentials (needs s3:GetObject)."""
        region = self._client.meta.region_name
        return f"aws s3 presign {shlex.quote(location)} --expires-in {PRESIGN_SECONDS} --region {shlex.quote(region)}"


class SnsNotifier:
    """Publishes the summary to a topic; its subscribers (e.g. the ReportEmail address) get it as plain text."""

    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic = topic_arn

    def send(self, subject: str, text: str) -> None:
        self._client.publish(TopicArn=self._topic, Subject=sns_subject(subject), Message=_fit(text))


def sns_subject(text: str) -> str:
    """SNS refuses a subject with non-ASCII or control characters, or of 100 characters or more."""
    ascii_only = "".join(char if " " <= char <= "~" else " " for char in text).strip()
    return ascii_only[:SNS_SUBJECT_MAX] or "push-janitor report"


def _fit(text: str) -> str:
    data = text.encode("utf-8")
    if len(data) <= SNS_MESSAGE_MAX_BYTES:
        return text
    return data[:SNS_MESSAGE_MAX_BYTES].decode("utf-8", errors="ignore") + "\n[cut: the full report is in S3]"
