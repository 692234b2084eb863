"""The DLQ tools on moto: listing without consuming, redriving without losing, and the CLI around them."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from factor_cleanup.__main__ import main
from factor_cleanup.adapters.aws import dlq
from factor_cleanup.domain.messages import PushFailure
from tests.aws import local_aws
from tests.conftest import FACTOR_SID, IDENTITY, SERVICE_SID


@pytest.fixture
def aws():
    with mock_aws():
        yield local_aws()


def failure(n: int) -> str:
    return PushFailure(
        event_id=f"NO{n:032x}",
        source="debugger",
        error_code="52103",
        service_sid=SERVICE_SID,
        identity=IDENTITY,
        factor_sid=FACTOR_SID,
    ).model_dump_json(exclude_none=True)


def fill(aws, count: int, malformed: int = 0) -> list[str]:
    bodies = [failure(n) for n in range(count)] + ["{not json"] * malformed
    for body in bodies:
        aws.sqs.send_message(QueueUrl=aws.dlq_url, MessageBody=body)
    return bodies


def visible(aws, url: str) -> int:
    attributes = aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_show_lists_every_message_once_and_leaves_them_in_place(aws):
    fill(aws, 13, malformed=1)  # more than one ReceiveMessage page
    letters = dlq.show(aws.sqs, aws.dlq_url, limit=100)
    assert len(letters) == 14 and len({letter.message_id for letter in letters}) == 14
    readable = [letter for letter in letters if letter.kind == "push_failure"]
    assert {letter.event_id for letter in readable} == {f"NO{n:032x}" for n in range(13)}
    assert all(letter.factor_sid == FACTOR_SID and letter.receive_count >= 1 and letter.sent_at for letter in readable)
    [bad] = [letter for letter in letters if letter.kind == "malformed"]
    assert bad.event_id is None and "would fail again" in bad.why
    assert visible(aws, aws.dlq_url) == 14  # peeked, not consumed: all visible again at once


def test_show_respects_the_limit(aws):
    fill(aws, 12)
    assert len(dlq.show(aws.sqs, aws.dlq_url, limit=5)) == 5
    assert visible(aws, aws.dlq_url) == 12


def test_messages_the_worker_gave_up_on_arrive_and_are_explained(aws):
    aws.sqs.send_message(QueueUrl=aws.queue_url, MessageBody=failure(7))
    for _ in range(9):  # maxReceiveCount is 8: the 9th receive moves it to the DLQ
        aws.sqs.receive_message(QueueUrl=aws.queue_url, VisibilityTimeout=0)
    [letter] = dlq.show(aws.sqs, aws.dlq_url)
    assert letter.event_id == f"NO{7:032x}" and letter.receive_count >= 8 and "Safe to redrive" in letter.why


def test_redrive_moves_readable_messages_and_leaves_malformed_ones(aws):
    bodies = fill(aws, 12, malformed=2)
    result = dlq.redrive(aws.sqs, aws.dlq_url, aws.queue_url)
    assert (result.moved, result.left_malformed, result.failed) == (12, 2, 0)
    assert visible(aws, aws.dlq_url) == 2
    moved = []
    while messages := aws.sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10).get("Messages", []):
        moved += [m["Body"] for m in messages]
        aws.sqs.delete_message_batch(
            QueueUrl=aws.queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
        )
    assert sorted(moved) == sorted(bodies[:12])  # byte for byte, each once


def test_redrive_stops_at_max(aws):
    fill(aws, 15)
    assert dlq.redrive(aws.sqs, aws.dlq_url, aws.queue_url, max_messages=4).moved == 4
    assert (visible(aws, aws.dlq_url), visible(aws, aws.queue_url)) == (11, 4)


class RefusingSends:
    """An SQS client whose SendMessage fails, as when the work queue's policy or KMS key refuses it."""

    def __init__(self, sqs) -> None:
        self._sqs = sqs

    def send_message(self, **_: object) -> None:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "refused"}}, "SendMessage")

    def __getattr__(self, name: str):
        return getattr(self._sqs, name)


def test_a_send_that_fails_leaves_the_message_in_the_dlq(aws):
    fill(aws, 3)
    result = dlq.redrive(RefusingSends(aws.sqs), aws.dlq_url, aws.queue_url)
    assert (result.moved, result.failed) == (0, 3)
    assert (visible(aws, aws.dlq_url), visible(aws, aws.queue_url)) == (3, 0)


def test_cli_reads_queue_urls_from_the_environment(aws, monkeypatch, capsys):
    fill(aws, 2)
    monkeypatch.setenv("DEAD_LETTER_QUEUE_URL", aws.dlq_url)
    monkeypatch.setenv("QUEUE_URL", aws.queue_url)
    assert main(["dlq-show", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [letter["event_id"] for letter in shown] == [f"NO{0:032x}", f"NO{1:032x}"]
    assert main(["dlq-redrive"]) == 0
    assert "moved 2 message(s)" in capsys.readouterr().out
    assert main(["dlq-show"]) == 0 and "empty" in capsys.readouterr().out


def test_cli_without_queue_url_refuses_to_guess(aws, monkeypatch):
    monkeypatch.setenv("DEAD_LETTER_QUEUE_URL", aws.dlq_url)
    monkeypatch.delenv("QUEUE_URL", raising=False)
    with pytest.raises(SystemExit, match="QUEUE_URL"):
        main(["dlq-redrive"])
