"""`python -m factor_cleanup report` without a stack or AWS: bad arguments, and no AWS SDK needed to ask a stack."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from factor_cleanup.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--since", "soon"], "period 'soon' is not a positive number"),
        (["--rows", "-1"], "--rows -1 must be 0 or more"),
    ],
)
def test_bad_arguments_exit_2_with_the_reason(args, message, capsys):
    assert main(["report", *args]) == 2
    assert message in capsys.readouterr().err


def test_asking_the_local_stack_needs_no_aws_sdk():
    """The report command module imports no boto3: asking the local stack works without AWS libraries loaded."""
    started = subprocess.run(
        [sys.executable, "-c", "import sys, factor_cleanup.cli.report; print('boto3' in sys.modules)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.stdout.strip() == "False", started.stderr
