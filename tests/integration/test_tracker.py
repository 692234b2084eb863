"""Verify events and app activity through the worker on moto: idempotency on the uuid, every kind routed."""

from __future__ import annotations

import json

import pytest
from moto import mock_aws

from factor_cleanup.local.events import LocalLambdaContext, sqs_event
from tests.aws import local_aws
from tests.conftest import FACTOR_SID
from tests.fake_app import moto_app, settings
from tests.fakes import FixedClock
from tests.support.tracker import NOW, activity, event


@pytest.fixture
def worker():
    with mock_aws():
        app = moto_app(
            local_aws(), settings(idempotency_window_seconds=3600, worker_record_concurrency=4), clock=FixedClock(NOW)
        )
        yield app.worker, app.registry


def batch(*messages) -> dict:
    raw = [
        {"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": m.model_dump_json(), "Attributes": {}}
        for i, m in enumerate(messages)
    ]
    return sqs_event(raw, "arn:aws:sqs:us-east-1:123456789012:work")


def test_the_same_uuid_is_applied_once_even_if_its_content_differs(worker):
    work, registry = worker
    first = event("challenge.approved", "2026-11-25T09:00:00Z", uuid="same-uuid")
    assert work.handle_batch(batch(first), LocalLambdaContext()) == {"batchItemFailures": []}
    replay = event("challenge.approved", "2026-11-25T11:00:00Z", uuid="same-uuid")
    assert work.handle_batch(batch(replay), LocalLambdaContext()) == {"batchItemFailures": []}
    assert registry.get(FACTOR_SID).last_seen == "2026-11-25T09:00:00Z"  # the second delivery changed nothing
    other = event("challenge.approved", "2026-11-25T11:00:00Z", uuid="another-uuid")
    work.handle_batch(batch(other), LocalLambdaContext())
    assert registry.get(FACTOR_SID).last_seen == "2026-11-25T11:00:00Z"


def test_a_batch_mixing_kinds_is_routed_by_kind(worker):
    work, registry = worker
    messages = [event("factor.verified", "2026-11-25T08:00:00Z"), activity(factor_sid="YF" + "7" * 32)]
    assert work.handle_batch(batch(*messages), LocalLambdaContext()) == {"batchItemFailures": []}
    assert (
        registry.get(FACTOR_SID).status == "verified" and registry.get("YF" + "7" * 32).last_seen_via == "app_activity"
    )


def test_an_unknown_kind_fails_alone(worker):
    work, _ = worker
    good = event("factor.verified")
    raw = [
        {
            "MessageId": "bad",
            "ReceiptHandle": "r",
            "Body": json.dumps({"kind": "factor_renamed", "event_id": "x"}),
            "Attributes": {},
        },
        {"MessageId": "good", "ReceiptHandle": "r2", "Body": good.model_dump_json(), "Attributes": {}},
    ]
    response = work.handle_batch(sqs_event(raw, "arn:aws:sqs:us-east-1:123456789012:work"), LocalLambdaContext())
    assert response == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
