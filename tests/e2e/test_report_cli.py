"""`python -m factor_cleanup report` against the running local stack, and what it says when none runs."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from factor_cleanup.__main__ import main, send_example
from factor_cleanup.local.verify_emulator import DEMO_DEAD_FACTOR_SID, DEMO_SERVICE_SID
from tests.conftest import LOCAL_STACK_OVERRIDES, free_port, running_local_stack
from tests.support.stack import wait_for_report

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """A fresh interpreter, as `make report` starts one: nothing shared with the stack but the port."""
    return subprocess.run(
        [sys.executable, "-m", "factor_cleanup", "report", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def stack(restore_environ):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "LEDGER_", "DEAD_LETTER_")) and k not in LOCAL_STACK_OVERRIDES
    }
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

    daily = urllib.request.urlopen(
        urllib.request.Request(f"http://127.0.0.1:{local.port}/_local/daily-report", method="POST")
    )
    written = json.loads(daily.read())
    assert written["total"] == 2 and written["attention"] == 1
    with urllib.request.urlopen(written["urls"]["html"], timeout=5) as stored:
        assert "Error 52143" in stored.read().decode()


def test_no_stack_and_no_table_says_what_to_start(restore_environ, capsys):
    restore_environ.pop("LEDGER_TABLE", None)
    assert main(["report", "--port", str(free_port())]) == 2
    assert "Start `make run`, or set LEDGER_TABLE" in capsys.readouterr().err
