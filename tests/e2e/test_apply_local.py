"""The way to production on `make run`, in report-only mode: dead-factor errors become `would_delete`, one
factor answers a challenge after its error, `make apply` deletes the others and keeps that one, and a
second apply applies nothing twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from factor_cleanup.adapters.aws.registry import DynamoDbFactorRegistry
from factor_cleanup.local.addresses import call_json
from factor_cleanup.local.demo import DEMO_AUTH_TOKEN, demo_debugger_params, webhook_url
from factor_cleanup.local.demo_registry import verify_webhook_body
from factor_cleanup.local.signing import signed_form
from factor_cleanup.local.sweep import backfill_registry_from_verify
from factor_cleanup.local.verify_emulator import DEMO_IDENTITY, DEMO_SERVICE_SID
from tests.conftest import running_local_stack

WAIT_SECONDS = 30.0
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stack(restore_environ):
    with running_local_stack(restore_environ, CLEANUP_MODE="report-only", SWEEP_INTERVAL_SECONDS="0") as local:
        yield local


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def post_signed(port: int, route: str, params: dict[str, str]) -> int:
    url = webhook_url(port).replace("/twilio/debugger", route)
    body, headers = signed_form(url, params, DEMO_AUTH_TOKEN)
    status, _ = call_json("POST", f"http://127.0.0.1:{port}{route}", body.encode(), headers)
    return status


def report(port: int) -> dict:
    _, answer = call_json("GET", f"http://127.0.0.1:{port}/reports/cleanup.json?since=1h")
    return answer


def wait_until(condition, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"still waiting for {what}")


def decisions(port: int, total: int) -> dict:
    def enough() -> dict | None:
        found = report(port)
        return found if found["summary"]["total"] >= total else None

    return wait_until(enough, f"{total} decisions")


def apply(port: int, *options: str) -> tuple[int, str]:
    """`make apply` in a second terminal: a process of its own, with no AWS names; it asks the stack's /healthz."""
    command = [sys.executable, "-m", "factor_cleanup", "apply", "--since", "1h", "--port", str(port), *options]
    clean = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    done = subprocess.run(command, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout + done.stderr


def enrolled_dead_factors(stack, count: int) -> list[str]:
    """Factors verified ten days ago on the demo user; the registry learns them as `backfill-registry` does."""
    created = datetime.now(UTC) - timedelta(days=10)
    sids = [
        stack.emulator.add_factor(DEMO_SERVICE_SID, DEMO_IDENTITY, "fcm", created=created)["sid"] for _ in range(count)
    ]
    backfill_registry_from_verify()
    return sids


def test_review_then_apply_deletes_the_dead_factors_and_keeps_the_one_answered_since(stack):
    dead = enrolled_dead_factors(stack, 3)
    answered = dead[1]
    error_at = datetime.now(UTC) - timedelta(minutes=2)
    for n, sid in enumerate(dead, start=1):
        params = demo_debugger_params(f"NO{n:032x}", sid) | {"Timestamp": iso(error_at)}
        assert post_signed(stack.port, "/twilio/debugger", params) == 200

    reviewed = decisions(stack.port, 3)
    assert reviewed["summary"]["by_outcome"]["would_delete"] == reviewed["summary"]["total"] == 3
    assert all(stack.emulator.has_factor(sid) for sid in dead) and stack.emulator.delete_calls(dead[0]) == 0

    # The user opens the app on one device after the error: a challenge on it is approved.
    approval = verify_webhook_body("challenge.approved", 1) | {
        "factor_sid": answered,
        "challenge_date_responded": iso(datetime.now(UTC)),
    }
    assert post_signed(stack.port, "/twilio/verify", approval) == 200
    registry = DynamoDbFactorRegistry(boto3.client("dynamodb"), os.environ["REGISTRY_TABLE"])
    wait_until(lambda: registry.get(answered).last_seen_via == "challenge.approved", "the approval in the registry")

    status, printed = apply(stack.port)
    assert status == 0 and f"{DEMO_SERVICE_SID}: 3 queued" in printed, printed

    applied = decisions(stack.port, 6)
    by_factor = {row["factor_sid"]: row for row in applied["actions"] if row["reviewed_event_sid"]}
    assert {sid: (row["outcome"], row["reason_code"]) for sid, row in by_factor.items()} == {
        dead[0]: ("deleted", "uninstalled"),
        answered: ("skipped", "alive"),
        dead[2]: ("deleted", "uninstalled"),
    }

    def marks() -> dict[str, str | None]:
        rows = report(stack.port)["actions"]
        return {row["factor_sid"]: row["applied_outcome"] for row in rows if row["outcome"] == "would_delete"}

    expected = {dead[0]: "deleted", answered: "skipped", dead[2]: "deleted"}
    # The streamed JSON report reads the period twice (applications first, then rows): the read that first
    # counts the 6th row may have missed it in its first pass, so the marks are checked on a later read.
    assert wait_until(lambda: marks() == expected and marks(), "the applied marks") == expected
    assert not stack.emulator.has_factor(dead[0]) and not stack.emulator.has_factor(dead[2])
    assert stack.emulator.has_factor(answered) and stack.emulator.delete_calls(answered) == 0

    status, printed = apply(stack.port)
    assert status == 0 and f"{DEMO_SERVICE_SID}: 2 already applied, 1 kept when applied" in printed, printed
    time.sleep(1.5)  # give a wrongly repeated decision the time to show up
    assert report(stack.port)["summary"]["total"] == 6
    assert [stack.emulator.delete_calls(sid) for sid in dead] == [1, 0, 1]


def test_apply_dry_run_on_the_local_stack_changes_nothing(stack):
    [sid] = enrolled_dead_factors(stack, 1)
    params = demo_debugger_params("NO" + "e" * 32, sid) | {"Timestamp": iso(datetime.now(UTC) - timedelta(minutes=1))}
    assert post_signed(stack.port, "/twilio/debugger", params) == 200
    decisions(stack.port, 1)

    status, printed = apply(stack.port, "--dry-run")
    assert status == 0 and f"{DEMO_SERVICE_SID}: 1 to queue" in printed and sid in printed, printed
    time.sleep(1.5)
    assert report(stack.port)["summary"]["total"] == 1 and stack.emulator.has_factor(sid)
