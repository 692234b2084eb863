"""`make run` then `make sweep`, as a new user meets them: the silent iOS factor goes, the live one stays, each with why."""

from __future__ import annotations

import argparse
import json
import urllib.request

import pytest

from factor_cleanup.cli.sweep import sweep_local
from factor_cleanup.local.verify_emulator import (
    DEMO_DEAD_FACTOR_SID,
    DEMO_IOS_STALE_FACTOR_SID,
    DEMO_LIVE_FACTOR_SID,
)
from tests.conftest import running_local_stack


@pytest.fixture
def stack(restore_environ):
    with running_local_stack(restore_environ, SWEEP_INTERVAL_SECONDS="0") as local:  # sweeps only on demand
        yield local


def post_sweep(port: int) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/_local/sweep", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def test_make_sweep_removes_the_silent_ios_factor_and_keeps_the_live_one(stack, capsys):
    assert stack.backfill["factors"] == 3  # the registry was filled from the emulator at start

    assert sweep_local(argparse.Namespace(port=stack.port, format="table")) == 0
    printed = "\n".join(line for line in capsys.readouterr().out.splitlines() if not line.startswith("{"))  # not logs

    assert not stack.emulator.has_factor(DEMO_IOS_STALE_FACTOR_SID)
    assert stack.emulator.has_factor(DEMO_LIVE_FACTOR_SID) and stack.emulator.has_factor(DEMO_DEAD_FACTOR_SID)
    ios_line = next(line for line in printed.splitlines() if DEMO_IOS_STALE_FACTOR_SID in line)
    live_line = next(line for line in printed.splitlines() if DEMO_LIVE_FACTOR_SID in line)
    assert ios_line.startswith("deleted") and "inactive" in ios_line and "3 challenges" in ios_line
    assert live_line.startswith("skipped") and "answered_recently" in live_line


def test_the_report_says_why_and_a_second_sweep_finds_nothing_left(stack):
    first = post_sweep(stack.port)
    assert first["sweep"]["enqueued"] == 2 and first["pending"] == []  # the two iPhones; the Pixel is not a candidate
    outcomes = {row["factor_sid"]: (row["outcome"], row["reason_code"]) for row in first["decisions"]}
    assert outcomes[DEMO_IOS_STALE_FACTOR_SID] == ("deleted", "inactive")
    assert outcomes[DEMO_LIVE_FACTOR_SID] == ("skipped", "answered_recently")

    with urllib.request.urlopen(f"http://127.0.0.1:{stack.port}/reports/cleanup.json", timeout=5) as response:
        report = json.loads(response.read())
    said = {row["factor_sid"]: (row["reason_code"], row["reason"].strip() != "") for row in report["actions"]}
    assert said[DEMO_IOS_STALE_FACTOR_SID] == ("inactive", True) and said[DEMO_LIVE_FACTOR_SID] == (
        "answered_recently",
        True,
    )

    second = post_sweep(stack.port)
    assert second["sweep"]["candidates_read"] == 0 and stack.emulator.delete_calls(DEMO_IOS_STALE_FACTOR_SID) == 1
