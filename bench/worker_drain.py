"""Item 3: worker drain rate against the Verify emulator with 50 ms injected latency on every call.

The real worker (`bootstrap.build_app().worker`, configured from infra/template.yaml's WorkerFunction environment,
the auth token read from SSM) deletes through twilio-python. Batches of the template's BatchSize go
straight to `Worker.handle_batch` in SQS event shape, one after another, as one Lambda instance gets
them; SQS I/O is left out (moto SQS slows with queue depth). A deletion is two Verify calls (the factor is
read before every DELETE), so one call at a time deletes at most 1000 / (2 x latency_ms) per second: the
ratio's floor.

Two set-ups, both printed:
- latency (the headline): DynamoDB replaced by a stand-in that answers after DYNAMODB_MS (as in-region
  DynamoDB does) and the emulator in a process of its own, as Twilio is remote: what the worker sustains.
- moto: moto's mock and the emulator in the worker's own interpreter. Their CPU (moto spends 1-2 ms of
  Python per call, Flask some per request) competes with the worker's for one GIL: it measures moto.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

from bench import services
from bench.common import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    ENROLLED,
    SERVICE_SID,
    TEMPLATE,
    Result,
    fmt_ratio,
    offline_environment,
    quiet_logs,
)
from factor_cleanup.runtime.deadline import VERIFY_CALLS

TITLE = "Worker drain (50 ms Verify latency)"
TARGET = 8.0
LATENCY_MS = 50
CALLS_PER_DELETION = VERIFY_CALLS["push_failure"]  # GET the factor, then DELETE it
DYNAMODB_MS = 5  # the stand-in's answer time: in-region DynamoDB single-item writes take single-digit ms
DYNAMODB_OPS = {"PutItem", "UpdateItem", "GetItem", "DeleteItem", "Query", "Scan"}
Probe = Callable[[], tuple[int, int]]  # -> (factors still present, peak requests in flight)


def template_settings() -> tuple[int, int]:
    """(BatchSize of the worker's SQS trigger, default VerifyMaxInFlight) as infra/template.yaml sets them."""
    from factor_cleanup.local.template import load_template

    template = load_template(TEMPLATE)
    batch = template["Resources"]["WorkerFunctionWork"]["Properties"]["BatchSize"]
    return int(batch), int(template["Parameters"]["VerifyMaxInFlight"]["Default"])


class CallCounter:
    """Counts AWS API calls by (operation, table or queue) through botocore's event hooks, and the largest item."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self.largest_item = 0
        self.active = False
        self._lock = threading.Lock()

    def attach(self, client: Any, service: str) -> None:
        client.meta.events.register(f"provide-client-params.{service}", self._count)

    def _count(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if not self.active:
            return
        item = params.get("Item") or {}
        size = sum(len(name) + len(json.dumps(value)) - 8 for name, value in item.items())  # ~ DynamoDB's item size
        where = str(params.get("TableName") or params.get("QueueUrl", "")).rsplit("/", 1)[-1]
        with self._lock:
            self.calls[(model.name, where)] += 1
            self.largest_item = max(self.largest_item, size)


def sqs_batch(bodies: list[str], first_id: int) -> dict[str, Any]:
    from factor_cleanup.local.events import sqs_event

    attributes = {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000))}
    raw = [
        {"MessageId": f"m{first_id + i}", "ReceiptHandle": f"r{first_id + i}", "Body": body, "Attributes": attributes}
        for i, body in enumerate(bodies)
    ]
    return sqs_event(raw, "arn:aws:sqs:us-east-1:123456789012:push-janitor-WorkQueue")


def failure_bodies(indexes: range) -> list[str]:
    """Queue message bodies (as the ingest function writes them) saying these factors' apps are uninstalled."""
    from factor_cleanup.domain.messages import PushFailure

    bodies = []
    for i in indexes:
        identity, sid = services.factor(i)
        bodies.append(
            PushFailure(
                event_id=f"NO{i:032x}",
                source="debugger",
                account_sid=ACCOUNT_SID,
                occurred_at="2026-11-25T12:00:00Z",
                error_code="52103",
                platform="fcm",
                description="GCM/FCM client uninstalled or turned off notifications",
                service_sid=SERVICE_SID,
                identity=identity,
                factor_sid=sid,
            ).model_dump_json(exclude_none=True)
        )
    return bodies


def _serve_in_process(emulator: Any, stack: ExitStack) -> str:
    from werkzeug.serving import make_server

    from factor_cleanup.local.verify_emulator import create_emulator_app

    server = make_server("127.0.0.1", 0, create_emulator_app(emulator), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="verify-emulator", daemon=True)
    thread.start()
    stack.callback(thread.join, 5)
    stack.callback(server.shutdown)
    return f"http://127.0.0.1:{server.server_port}"


def _verify(stack: ExitStack, in_process: bool, factors: int) -> Probe:
    """Start the Verify emulator with `factors` factors; point the worker at it; return its probe."""
    if not in_process:
        url = services.start(stack, "verify", str(factors), str(LATENCY_MS), ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID)
        os.environ["TWILIO_VERIFY_BASE_URL"] = url

        def probe() -> tuple[int, int]:
            snapshot = services.state(url)
            return snapshot["counts"]["factors"], snapshot["max_in_flight"]

        return probe
    from factor_cleanup.local.verify_emulator import EmulatorState

    emulator = EmulatorState({(ACCOUNT_SID, AUTH_TOKEN)})
    emulator.add_service(SERVICE_SID, "bench", ACCOUNT_SID)
    for i in range(factors):
        identity, sid = services.factor(i)
        emulator.add_factor(SERVICE_SID, identity, sid=sid, created=ENROLLED)
    emulator.set_faults(latency_ms=LATENCY_MS)
    os.environ["TWILIO_VERIFY_BASE_URL"] = _serve_in_process(emulator, stack)
    return lambda: (len(emulator.factors), emulator.max_in_flight)


class Timings:
    """Wall time of each DynamoDB call and each record, from botocore hooks and a wrapper on the worker."""

    def __init__(self) -> None:
        self.dynamodb: list[float] = []
        self.records: list[float] = []
        self.verify: list[float] = []
        self._started: dict[int, float] = {}

    def attach(self, client: Any, worker: Any, verify: TimedVerify) -> None:
        if hasattr(client, "meta"):  # a botocore client (the stand-in times itself: DYNAMODB_MS)
            client.meta.events.register("before-call.dynamodb", self._before)
            client.meta.events.register("after-call.dynamodb", self._after)
        worker.process_record = self._timed(worker.process_record, self.records)
        verify.timings = self.verify

    @staticmethod
    def _timed(func: Callable[..., Any], into: list[float]) -> Callable[..., Any]:
        def timed(*args: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args)
            finally:
                into.append(time.perf_counter() - started)

        return timed

    def _before(self, **_: Any) -> None:
        self._started[threading.get_ident()] = time.perf_counter()

    def _after(self, **_: Any) -> None:
        started = self._started.pop(threading.get_ident(), None)
        if started is not None:
            self.dynamodb.append(time.perf_counter() - started)


class TimedVerify:
    """The production Verify client (Twilio's, built on first use), timing each GET and DELETE once `timings` is set."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.timings: list[float] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def fetch_factor(self, service_sid: str, identity: str, factor_sid: str) -> Any:
        with self._timed():
            return self._inner.fetch_factor(service_sid, identity, factor_sid)

    def delete_factor(self, service_sid: str, identity: str, factor_sid: str) -> None:
        with self._timed():
            self._inner.delete_factor(service_sid, identity, factor_sid)

    @contextlib.contextmanager
    def _timed(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            if self.timings is not None:
                self.timings.append(time.perf_counter() - started)


def _median_ms(values: list[float]) -> float:
    return sorted(values)[len(values) // 2] * 1000 if values else 0.0


def drain(mode: str, events: int) -> dict[str, Any]:
    """Delete `events` factors through the worker; mode "moto" or "latency" (DynamoDB stand-in, remote emulator)."""
    import boto3
    from moto import mock_aws

    from bench.latency_dynamodb import LatencyDynamoDB, key_schemas
    from factor_cleanup.local.events import LocalLambdaContext
    from factor_cleanup.local.template import create_local_resources, function_environment
    from factor_cleanup.runtime import bootstrap

    batch_size, limit = template_settings()
    with ExitStack() as stack:
        stack.enter_context(offline_environment())
        stack.enter_context(quiet_logs())
        stack.enter_context(mock_aws())  # SSM (the auth token) and SQS; DynamoDB too in "moto" mode
        probe = _verify(stack, mode == "moto", events + batch_size)
        resources = create_local_resources(TEMPLATE, boto3.client("sqs"), boto3.client("dynamodb"))
        # 1,000 deletions in seconds is exactly what the circuit breaker stops by default (100 an hour):
        # a deployment that expects such a drain raises MaxDeletionsPerHour, and so does this benchmark.
        parameters = {
            "TwilioAccountSid": ACCOUNT_SID,
            "VerifyServiceSids": SERVICE_SID,
            "CleanupMode": "delete",
            "MaxDeletionsPerHour": "100000",
            "VerifyMaxInFlight": str(limit),
        }
        os.environ.update(function_environment(TEMPLATE, "WorkerFunction", resources, parameters))
        boto3.client("ssm").put_parameter(
            Name=os.environ["TWILIO_AUTH_TOKEN_PARAMETER"], Value=AUTH_TOKEN, Type="SecureString", Overwrite=True
        )
        os.environ.pop("TWILIO_AUTH_TOKEN", None)
        stand_in = LatencyDynamoDB({resources[t]["name"]: k for t, k in key_schemas().items()}, DYNAMODB_MS)
        aws = bootstrap.boto3_client
        if mode == "latency":
            aws = lambda service: stand_in if service == "dynamodb" else bootstrap.boto3_client(service)  # noqa: E731
        config = bootstrap.load_settings()
        verify = TimedVerify(bootstrap.build_app(config, aws=aws).verify)
        app = bootstrap.build_app(config, aws=aws, verify=verify)
        worker = app.worker
        counter, timings = CallCounter(), Timings()
        if mode == "moto":
            for service in ("dynamodb", "sqs"):
                counter.attach(app.aws(service), service)

        # One batch first: an instance's one-off work (twilio's client, the SSM read, connections) is not drain rate.
        warm = worker.handle_batch(
            sqs_batch(failure_bodies(range(events, events + batch_size)), events), LocalLambdaContext()
        )
        if warm["batchItemFailures"] or probe()[0] != events:
            raise RuntimeError(f"the warm-up batch did not delete its {batch_size} factors: {warm}")
        timings.attach(app.aws("dynamodb"), worker, verify)
        bodies = failure_bodies(range(events))
        batches = [sqs_batch(bodies[i : i + batch_size], i) for i in range(0, events, batch_size)]
        failed, batch_seconds = 0, []
        counter.active, calls_before = True, Counter(stand_in.calls)
        started, cpu_started = time.perf_counter(), time.process_time()
        for batch in batches:
            batch_started = time.perf_counter()
            failed += len(worker.handle_batch(batch, LocalLambdaContext())["batchItemFailures"])
            batch_seconds.append(time.perf_counter() - batch_started)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        counter.active = False
        if mode == "latency":
            counter.calls = stand_in.calls - calls_before
        remaining, peak = probe()
        if mode == "moto":
            ledger = boto3.client("dynamodb").scan(TableName=os.environ["LEDGER_TABLE"], Select="COUNT")["Count"]
        else:
            ledger = stand_in.count(os.environ["LEDGER_TABLE"])
    return {
        "events": events,
        "deleted": events - remaining,
        "elapsed": elapsed,
        "failed": failed,
        "peak": peak,
        "limit": limit,
        "batch_size": batch_size,
        "batches": len(batches),
        "ledger_rows": ledger - batch_size,
        "batch_ms": _median_ms(batch_seconds),
        "rate": (events - remaining) / elapsed,
        "calls": {f"{op} {where}": n / events for (op, where), n in sorted(counter.calls.items())},
        "largest_item": counter.largest_item,
        "dynamodb_ms": _median_ms(timings.dynamodb) if mode == "moto" else float(DYNAMODB_MS),
        "record_ms": _median_ms(timings.records),
        "verify_ms": _median_ms(timings.verify),
        "cpu_ms_per_event": cpu / events * 1000,
        "cpu_share": cpu / elapsed,
        "dynamodb_calls_per_event": sum(n for k, n in counter.calls.items() if k[0] in DYNAMODB_OPS) / events,
    }


def run(quick: bool = False) -> Result:
    events = 100 if quick else 1000
    floor = 1000 / (LATENCY_MS * CALLS_PER_DELETION)
    result = Result("worker", TITLE, target=f">= {TARGET:g}x, in flight <= limit")
    local, remote = drain("moto", events), drain("latency", events)
    # The headline is DynamoDB at in-region latency: in-process moto spends ~20 ms of CPU per event,
    # which on two cores measures moto, not the worker (the moto figure is printed below it).
    ratio = remote["rate"] / floor
    result.figure = (
        f"{remote['rate']:.0f} deletions/s (peak {remote['peak']} in flight; moto in-process {local['rate']:.0f}/s)"
    )
    result.floor = f"one at a time {floor:.0f}/s"
    result.ratio = fmt_ratio(ratio)
    safe = all(d["peak"] <= d["limit"] and d["deleted"] == events and not d["failed"] for d in (local, remote))
    result.met = ratio >= TARGET and safe
    result.data.update(moto=local, latency=remote, ratio=ratio)
    b, limit = local["batch_size"], local["limit"]
    ceiling = b / (-(-b // limit) * CALLS_PER_DELETION * LATENCY_MS / 1000)
    result.say(
        f"{events} dead-factor events in {local['batches']} batches of {b} (template BatchSize) to one "
        f"worker, VERIFY_MAX_IN_FLIGHT={limit} (template default), {LATENCY_MS} ms on every Verify call "
        f"({CALLS_PER_DELETION} per deletion); "
        f"ceiling {ceiling:.0f}/s ({ceiling / floor:.0f}x) if nothing but Verify took time"
    )
    setups = (
        (f"DynamoDB answering in {DYNAMODB_MS} ms (stand-in), emulator in its own process (the headline)", remote),
        ("moto in-process, emulator in-process (CPU-bound on moto)", local),
    )
    for label, d in setups:
        result.say(f"{label}:")
        result.say(
            f"  deleted {d['deleted']}/{events} in {d['elapsed']:.2f} s = {d['rate']:.1f}/s = "
            f"{d['rate'] / floor:.2f}x; median batch {d['batch_ms']:.0f} ms; {d['failed']} record failures; "
            f"{d['ledger_rows']} ledger rows"
        )
        verdict = "within" if d["peak"] <= d["limit"] else "EXCEEDED"
        result.say(f"  emulator peak in flight {d['peak']} (limit {d['limit']}: {verdict})")
    for label, d in (("moto", local), ("stand-in", remote)):
        per_call, calls, verify, record = (
            d["dynamodb_ms"],
            d["dynamodb_calls_per_event"],
            d["verify_ms"],
            d["record_ms"],
        )
        result.say(
            f"where a record's time goes ({label}): median record {record:.0f} ms = {calls:.0f} DynamoDB calls "
            f"x {per_call:.1f} ms + {CALLS_PER_DELETION} Verify calls x {verify:.0f} ms ({LATENCY_MS} ms sleep + "
            f"client + emulator) + {record - calls * per_call - CALLS_PER_DELETION * verify:.0f} ms other; "
            f"a batch is {-(-b // limit)} waves of {limit} records, each as long as its slowest: "
            f"median batch {d['batch_ms']:.0f} ms"
        )
    for label, d in (("moto", local), ("stand-in", remote)):
        result.say(
            f"process CPU while draining ({label}): {d['cpu_ms_per_event']:.1f} ms per event, "
            f"{d['cpu_share']:.0%} of one core (the GIL lets one thread run Python at a time)"
        )
    for label, d in (("moto", local), ("stand-in", remote)):
        listed = ", ".join(f"{name.replace('push-janitor-', '')} {n:.2f}" for name, n in d["calls"].items())
        result.say(f"AWS calls per event ({label}): {listed or 'none'}")
    result.say(f"largest item written ~{local['largest_item']} B (< 1 KB: one write unit each)")
    result.say("not included: SQS receive/delete (the event source mapping does them on AWS)")
    return result


if __name__ == "__main__":
    from bench.__main__ import main

    main(["--only", "worker"])
