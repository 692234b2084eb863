"""Applied marks survive the DynamoDB ledger (moto): the reviewed event sid is stored and read back."""

from __future__ import annotations

import json

import boto3
from moto import mock_aws

from factor_cleanup.adapters.aws.ledger import DynamoDbLedger
from factor_cleanup.reports.build import period_since
from tests.aws import local_aws
from tests.fakes import FixedClock
from tests.report_ledger import NOW
from tests.support.report_applied import EXPECTED, marks, produce, reviewed_then_applied


def test_the_dynamodb_ledger_keeps_the_reviewed_event_sid():
    with mock_aws():
        ledger = DynamoDbLedger(boto3.client("dynamodb"), local_aws().ledger_table)
        for action in reviewed_then_applied():
            ledger.record(action)
        period = period_since(FixedClock(NOW), "24h")
        assert list(ledger.records_between(period.start, period.end)) == reviewed_then_applied()
        report = json.loads(produce("json", ledger))
    assert marks(report["actions"]) == EXPECTED
