"""`python -m factor_cleanup report` as ops run it against DynamoDB (moto) directly, when LEDGER_TABLE is set."""

from __future__ import annotations

import csv

from moto import mock_aws

from factor_cleanup.__main__ import main
from factor_cleanup.adapters.aws.ledger import DynamoDbLedger
from factor_cleanup.runtime import bootstrap
from tests.aws import local_aws
from tests.fakes import FixedClock
from tests.report_ledger import NOW, TOTAL, known_actions


def test_reading_dynamodb_directly_when_ledger_table_is_set(restore_environ, tmp_path, capsys):
    with mock_aws():
        aws = local_aws()
        ledger = DynamoDbLedger(aws.dynamodb, aws.ledger_table)
        for action in known_actions():
            ledger.record(action)
        restore_environ.update(LEDGER_TABLE=aws.ledger_table, DEAD_LETTER_QUEUE_URL=aws.dlq_url)
        app = bootstrap.build_app(clock=FixedClock(NOW))  # the app the environment configures, at NOW
        out = tmp_path / "report.csv"
        assert main(["report", "--format", "csv", "--out", str(out), "--port", "1"], app=app) == 0
        assert main(["report", "--since", "7d", "--port", "1"], app=app) == 0
    assert len(list(csv.DictReader(out.open(newline="")))) == TOTAL and not (tmp_path / "report.csv.partial").exists()
    captured = capsys.readouterr()
    assert "NEEDS ATTENTION (5)" in captured.out and f"wrote csv report to {out}" in captured.err


def test_a_missing_table_is_a_clear_error_and_leaves_no_file(restore_environ, tmp_path, capsys):
    with mock_aws():
        restore_environ["LEDGER_TABLE"] = "no-such-table"
        out = tmp_path / "report.html"
        assert main(["report", "--format", "html", "--out", str(out)]) == 1
    assert not out.exists() and not (tmp_path / "report.html.partial").exists()
    assert "cannot read the ledger 'no-such-table'" in capsys.readouterr().err
