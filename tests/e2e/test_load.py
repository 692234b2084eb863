"""`make load` in miniature: the load driver against an in-process `make run`, counting what it reports."""

from __future__ import annotations

import io

import pytest

from factor_cleanup.__main__ import main
from factor_cleanup.local import load
from tests.conftest import free_port, running_local_stack


@pytest.fixture
def stack(restore_environ):
    with running_local_stack(restore_environ) as local:
        yield local


def test_load_run_accepts_and_decides_every_event(stack, capsys):
    before = stack.emulator.snapshot()["counts"]["factors"]
    out = io.StringIO()
    result = load.run(events=20, concurrency=5, port=stack.port, timeout=60, out=out)
    assert (result.events, result.accepted, result.decided) == (20, 20, 20) and not result.refused
    assert result.outcomes == {"deleted": 20} and result.nothing_lost and len(result.latencies) == 20
    assert stack.emulator.snapshot()["counts"]["factors"] == before  # 20 enrolled, 20 deleted
    assert sum(stack.emulator.snapshot()["successful_deletes"].values()) == 20
    assert "nothing lost: accepted 20, decided 20" in out.getvalue()
    assert main(["dlq-show", "--port", str(stack.port)]) == 0  # the DLQ tools find the local stack's queues
    assert "empty" in capsys.readouterr().out


def test_load_refuses_unbounded_runs_and_missing_stacks():
    with pytest.raises(load.LoadError, match="--events"):
        load.run(events=load.MAX_EVENTS + 1, concurrency=1, port=1)
    assert load.main(["--events", "1", "--port", str(free_port())]) == 2
