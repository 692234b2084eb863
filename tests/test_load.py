"""`make load` in miniature: the load driver against an in-process `make run`, counting what it reports."""

from __future__ import annotations

import io

import pytest

from factor_cleanup.__main__ import main
from factor_cleanup.local import load
from factor_cleanup.local.stack import LocalStack
from tests.test_local_stack import free_port


@pytest.fixture
def stack(restore_environ):
    for name in ("TWILIO_VERIFY_BASE_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "CLEANUP_MODE",
                 "VERIFY_SERVICE_SIDS", "PUBLIC_BASE_URL"):  # fmt: skip
        restore_environ.pop(name, None)
    local = LocalStack(free_port())
    local.start()
    local.serve_in_background()
    yield local
    local.stop()


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
