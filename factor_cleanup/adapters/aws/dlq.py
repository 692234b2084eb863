"""The dead-letter queue: list what is stuck there and why, and move it back to the work queue.

A message lands in the DLQ after `maxReceiveCount` (8) receives without a decision: Verify kept
answering 429/5xx, a ledger or idempotency write kept failing, or the body is not a message the
worker can read. Its decision was never recorded, so redriving it is safe: the worker decides each
event once (idempotency on `event_id`), and a duplicate left by an interrupted redrive is absorbed.

SQS has no true peek. `show` receives with a short visibility timeout (so paging sees each message
once) and then makes every message it saw visible again at once; each look still counts as a
receive in `ApproximateReceiveCount`. SQS keeps no "last received" time: `sent_at` is when the
webhook was queued and `first_received_at` when a worker first got it.

`redrive` copies each message to the work queue and only then deletes it from the DLQ, so a failure
in between leaves a duplicate, never a loss. (SQS's StartMessageMoveTask does the same server-side
on AWS; moto does not implement it, so this module moves messages itself and behaves the same on both.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# botocore and pydantic are imported where used: `python -m factor_cleanup` registers these commands for every run.
PEEK_SECONDS = 30  # long enough to page through the DLQ once; every message is made visible again after


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    kind: str
    event_id: str | None
    factor_sid: str | None
    receive_count: int
    sent_at: str | None
    first_received_at: str | None
    why: str


@dataclass
class RedriveResult:
    moved: int = 0
    left_malformed: int = 0
    failed: int = 0


def show(sqs: Any, dlq_url: str, limit: int = 100) -> list[DeadLetter]:
    """Up to `limit` dead letters, oldest first, without consuming them."""
    seen: dict[str, dict[str, Any]] = {}
    handles: list[str] = []
    try:
        while len(seen) < limit:
            batch = _receive(sqs, dlq_url, min(10, limit - len(seen)), PEEK_SECONDS)
            fresh = [m for m in batch if m["MessageId"] not in seen]
            handles += [m["ReceiptHandle"] for m in batch]
            if not fresh:
                break
            seen.update((m["MessageId"], m) for m in fresh)
    finally:
        _make_visible(sqs, dlq_url, handles)
    letters = [_describe(message) for message in seen.values()]
    return sorted(letters, key=lambda letter: letter.sent_at or "")


def redrive(sqs: Any, dlq_url: str, queue_url: str, max_messages: int = 1000) -> RedriveResult:
    """Move up to `max_messages` readable dead letters back to the work queue: send first, then delete."""
    from botocore.exceptions import BotoCoreError, ClientError

    result = RedriveResult()
    kept: list[str] = []  # receipt handles of messages that stay in the DLQ, made visible again at the end
    try:
        while result.moved + result.failed < max_messages:
            batch = _receive(sqs, dlq_url, min(10, max_messages - result.moved - result.failed), PEEK_SECONDS)
            if not batch:
                break
            for message in batch:
                if _describe(message).kind == "malformed":  # it would only come back here: leave it for a person
                    result.left_malformed += 1
                    kept.append(message["ReceiptHandle"])
                    continue
                try:
                    sqs.send_message(QueueUrl=queue_url, MessageBody=message["Body"])
                except (BotoCoreError, ClientError):
                    result.failed += 1
                    kept.append(message["ReceiptHandle"])
                    continue
                sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
                result.moved += 1
    finally:
        _make_visible(sqs, dlq_url, kept)
    return result


def _receive(sqs: Any, queue_url: str, count: int, visibility: int) -> list[dict[str, Any]]:
    return sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=count,
        VisibilityTimeout=visibility,
        WaitTimeSeconds=0,
        AttributeNames=["All"],
    ).get("Messages", [])


def _make_visible(sqs: Any, queue_url: str, handles: list[str]) -> None:
    for start in range(0, len(handles), 10):
        entries = [
            {"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0}
            for i, h in enumerate(handles[start : start + 10])
        ]
        sqs.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries)


def _describe(message: dict[str, Any]) -> DeadLetter:
    from pydantic import ValidationError

    from factor_cleanup.domain.messages import parse_message

    attributes = message.get("Attributes", {})
    count = int(attributes.get("ApproximateReceiveCount", 0))
    try:
        parsed = parse_message(message["Body"])
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        kind, event_id, factor_sid = "malformed", None, None
        why = (
            f"not a message the worker can read ({where}: {first['msg']}); it would fail again: inspect, then delete it"
        )
    else:
        kind, event_id, factor_sid = parsed.kind, parsed.event_id, getattr(parsed, "factor_sid", None)
        why = (
            f"no decision after {count} receives (Verify 429/5xx or a failed ledger/idempotency write); "
            f"worker logs: event_sid={event_id}. Safe to redrive."
        )
    return DeadLetter(
        message_id=message["MessageId"],
        kind=kind,
        event_id=event_id,
        factor_sid=factor_sid,
        receive_count=count,
        sent_at=_time(attributes.get("SentTimestamp")),
        first_received_at=_time(attributes.get("ApproximateFirstReceiveTimestamp")),
        why=why,
    )


def _time(epoch_millis: str | None) -> str | None:
    if not epoch_millis:
        return None
    return datetime.fromtimestamp(int(epoch_millis) / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_table(letters: list[DeadLetter]) -> str:
    if not letters:
        return "The dead-letter queue is empty."
    lines = [
        f"{len(letters)} dead letter(s), oldest first:",
        f"{'SENT':20}  {'KIND':18}  {'EVENT':36}  {'FACTOR':34}  RECEIVES  WHY",
    ]
    for letter in letters:
        lines.append(
            f"{letter.sent_at or '-':20}  {letter.kind:18}  {letter.event_id or '-':36}  "
            f"{letter.factor_sid or '-':34}  {letter.receive_count:8}  {letter.why}"
        )
    return "\n".join(lines)
