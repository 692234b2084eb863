"""`make run` as a new user meets it: the stack starts, the example is sent, the demo factor is deleted."""

from __future__ import annotations

import time

import pytest

from factor_cleanup.__main__ import send_example
from factor_cleanup.local.verify_emulator import DEMO_DEAD_FACTOR_SID, DEMO_LIVE_FACTOR_SID
from tests.conftest import running_local_stack
from tests.support.stack import get_json, wait_for_report


@pytest.fixture
def stack(restore_environ):
    with running_local_stack(restore_environ) as local:
        yield local


def test_the_readme_example_deletes_the_demo_factor(stack):
    status, health = get_json(f"http://127.0.0.1:{stack.port}/healthz")
    assert status == 200 and health["ready"], health
    assert stack.emulator.has_factor(DEMO_DEAD_FACTOR_SID)

    assert send_example(stack.port, "events/debugger-webhook.json") == 0

    report = wait_for_report(stack.port, 1)
    [action] = report["actions"]
    assert action["outcome"] == "deleted" and action["factor_sid"] == DEMO_DEAD_FACTOR_SID
    assert report["summary"]["by_outcome"]["deleted"] == 1
    assert not stack.emulator.has_factor(DEMO_DEAD_FACTOR_SID)
    assert stack.emulator.has_factor(DEMO_LIVE_FACTOR_SID)


def test_sending_the_example_twice_deletes_once(stack):
    assert send_example(stack.port, "events/debugger-webhook.json") == 0
    assert send_example(stack.port, "events/debugger-webhook.json") == 0
    wait_for_report(stack.port, 1)
    time.sleep(1.5)  # give a wrongly duplicated decision the time to show up
    _, report = get_json(f"http://127.0.0.1:{stack.port}/reports/cleanup.json")
    assert report["summary"]["total"] == 1, report
    assert report["actions"][0]["outcome"] == "deleted", report
    assert stack.emulator.delete_calls(DEMO_DEAD_FACTOR_SID) == 1


def test_unknown_route_and_wrong_method_answer_json(stack):
    status, body = get_json(f"http://127.0.0.1:{stack.port}/nope")
    assert status == 404 and body["error"] == "no_such_route"
    status, body = get_json(f"http://127.0.0.1:{stack.port}/twilio/debugger")
    assert status == 405 and body["error"] == "method_not_allowed"


def test_commands_without_a_running_stack_say_so(capsys):
    from factor_cleanup.__main__ import main
    from tests.conftest import free_port

    port = str(free_port())
    assert main(["sweep", "--port", port]) == 2
    with pytest.raises(SystemExit) as stopped:
        main(["send-example", "--port", port])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.count("Is `make run` running?") == 2
