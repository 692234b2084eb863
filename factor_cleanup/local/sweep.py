"""The inactivity sweeper on one machine: an interval thread standing in for EventBridge Scheduler, and
`POST /_local/sweep` (what `make sweep` calls) running the same handler now and waiting for the decisions.

Both call handlers.sweeper.handler with the event Scheduler delivers: the schedule's Input with
`<aws.scheduler.scheduled-time>` and friends filled in.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog

from factor_cleanup.local.events import LocalLambdaContext

log = structlog.get_logger(__name__)

DEFAULT_INTERVAL_SECONDS = 3600
DECISION_WAIT_SECONDS = 30.0


def scheduler_event(moment: datetime | None = None, attempt: int = 1) -> dict[str, str]:
    """The sweeper's schedule Input (infra/template.yaml) as Scheduler fills it in."""
    moment = moment or datetime.now(UTC)
    return {
        "source": "push-janitor.sweeper",
        "scheduled_time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "execution_id": uuid.uuid4().hex[:16],
        "attempt": str(attempt),
    }


def run_sweep() -> dict[str, Any]:
    from handlers import sweeper  # after the local stack has configured the environment

    return sweeper.handler(
        scheduler_event(), LocalLambdaContext(function_name="push-janitor-sweeper", timeout_seconds=300)
    )


class IntervalScheduler:
    """Calls `job` every `interval` seconds (first call after one interval), until stopped."""

    def __init__(self, job: Callable[[], Any], interval: float) -> None:
        self._job = job
        self._interval = interval
        self._stop = threading.Event()
        self.runs = 0

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._loop, name="sweep-schedule", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._job()
                self.runs += 1
            except Exception:  # like Scheduler: this run failed, the next one comes anyway
                log.exception("scheduled_sweep_failed")


def interval_from_env() -> float:
    """SWEEP_INTERVAL_SECONDS (default 3600); 0 turns the local schedule off."""
    return float(os.environ.get("SWEEP_INTERVAL_SECONDS") or DEFAULT_INTERVAL_SECONDS)


def sweep_route(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Sweep now, wait for the worker to decide every queued candidate, answer the counts and decisions."""
    result = run_sweep()
    decisions = wait_for_decisions(result["event_ids"], DECISION_WAIT_SECONDS)
    pending = [event_id for event_id in result["event_ids"] if event_id not in decisions]
    body = {
        "sweep": result,
        "decisions": [decisions[i] for i in result["event_ids"] if i in decisions],
        "pending": pending,
    }
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def wait_for_decisions(event_ids: list[str], seconds: float) -> dict[str, dict[str, Any]]:
    """The ledger rows of these events, polled until all are there or `seconds` pass."""
    from factor_cleanup.runtime.bootstrap import boto3_client

    table, found, dynamodb = os.environ["LEDGER_TABLE"], {}, boto3_client("dynamodb")
    deadline = time.monotonic() + seconds
    while True:
        for event_id in event_ids:
            if event_id not in found:
                item = dynamodb.get_item(TableName=table, Key={"event_sid": {"S": event_id}}).get("Item")
                if item:
                    found[event_id] = {name: value.get("S") for name, value in item.items() if "S" in value}
        if len(found) == len(event_ids) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def backfill_registry_from_verify() -> dict[str, Any]:
    """Fill the registry from the Verify API (the emulator's demo factors), through the production use case."""
    from factor_cleanup.runtime import bootstrap
    from factor_cleanup.services.backfill import backfill_registry

    app = bootstrap.build_app()
    if app.registry is None:
        raise RuntimeError("the local stack always sets REGISTRY_TABLE; backfill needs it")
    return backfill_registry(app.verify, app.registry, app.settings.verify_service_sids)
