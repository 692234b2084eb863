"""`python -m factor_cleanup report` as ops run it: against the local stack, and against DynamoDB directly."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from moto import mock_aws

from factor_cleanup.runtime.bootstrap import build_app
from factor_cleanup.__main__ import main, send_example
from factor_cleanup.adapters.aws.ledger import DynamoDbLedger
from factor_cleanup.local.verify_emulator import DEMO_DEAD_FACTOR_SID, DEMO_SERVICE_SID
from tests.aws import local_aws
from tests.fakes import FixedClock
from tests.report_ledger import NOW, TOTAL, known_actions
from tests.conftest import LOCAL_STACK_OVERRIDES, free_port, running_local_stack
from tests.test_local_stack import wait_for_report

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """A fresh interpreter, as `make report` starts one: nothing shared with the stack but the port."""
    return subprocess.run([sys.executable, "-m", "factor_cleanup", "report", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


@pytest.fixture
def stack(restore_environ):
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("AWS_", "LEDGER_", "DEAD_LETTER_")) and k not in LOCAL_STACK_OVERRIDES}  # fmt: skip
    with running_local_stack(restore_environ) as local:
        yield local, clean


def test_a_new_user_sends_examples_and_reads_the_report_in_every_form(stack, tmp_path):
    local, env = stack
    assert send_example(local.port, "events/debugger-webhook.json") == 0
    assert send_example(local.port, "events/debugger-webhook-config-error.json") == 0
    wait_for_report(local.port, 2)

    table = cli("--port", str(local.port), env=env)
    assert table.returncode == 0, table.stderr
    assert f"1. [critical] Error 52143 on {DEMO_SERVICE_SID}: 1 event in 7 d (apn)" in table.stdout
    assert "2 events    deleted 1 · already gone 0 · would delete 0 · skipped 1 · failed 0" in table.stdout
    assert DEMO_DEAD_FACTOR_SID in table.stdout and "Dead-letter queue   0 messages" in table.stdout

    out = tmp_path / "week.csv"
    assert cli("--port", str(local.port), "--format", "csv", "--out", str(out), env=env).returncode == 0
    assert sorted(row["outcome"] for row in csv.DictReader(out.open(newline=""))) == ["deleted", "skipped"]
    page = cli("--port", str(local.port), "--format", "html", env=env).stdout
    assert page.startswith("<!doctype html>") and "Needs attention (1)" in page
    report = json.loads(cli("--port", str(local.port), "--format", "json", "--since", "1h", env=env).stdout)
    assert report["summary"]["by_reason"] == {"configuration": 1, "uninstalled": 1}

    daily = urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{local.port}/_local/daily-report", method="POST"))
    written = json.loads(daily.read())
    assert written["total"] == 2 and written["attention"] == 1
    with urllib.request.urlopen(written["urls"]["html"], timeout=5) as stored:
        assert "Error 52143" in stored.read().decode()


def test_reading_dynamodb_directly_when_ledger_table_is_set(restore_environ, tmp_path, capsys):
    with mock_aws():
        aws = local_aws()
        ledger = DynamoDbLedger(aws.dynamodb, aws.ledger_table)
        for action in known_actions():
            ledger.record(action)
        restore_environ.update(LEDGER_TABLE=aws.ledger_table, DEAD_LETTER_QUEUE_URL=aws.dlq_url)
        app = build_app(clock=FixedClock(NOW))  # the app the environment configures, at NOW
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


@pytest.mark.parametrize("args, message", [(["--since", "soon"], "period 'soon' is not a positive number"),
                                           (["--rows", "-1"], "--rows -1 must be 0 or more")])  # fmt: skip
def test_bad_arguments_exit_2_with_the_reason(args, message, capsys):
    assert main(["report", *args]) == 2
    assert message in capsys.readouterr().err


def test_no_stack_and_no_table_says_what_to_start(restore_environ, capsys):
    restore_environ.pop("LEDGER_TABLE", None)
    assert main(["report", "--port", str(free_port())]) == 2
    assert "Start `make run`, or set LEDGER_TABLE" in capsys.readouterr().err


def test_asking_the_local_stack_needs_no_aws_sdk():
    """The report command module imports no boto3: asking the local stack works without AWS libraries loaded."""
    started = subprocess.run([sys.executable, "-c", "import sys, factor_cleanup.cli.report; print('boto3' in sys.modules)"],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert started.stdout.strip() == "False", started.stderr
