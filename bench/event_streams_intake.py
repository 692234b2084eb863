"""Event Streams intake: the time to take one batch of 250 and of 500 events on the local stack.

The whole `make run` stack starts in this process (moto in server mode with the template's queues, the ingest
handler behind Flask, SSM holding the auth token); its worker poller is stopped first, so the figure is the
intake alone. Each batch is one signed POST of N error-log CloudEvents about distinct failures to
/twilio/events, timed until its 200 arrives, at which point SQS holds every message (checked by the queue's
depth). The reference is the same events queued one SendMessage at a time, as the route did before
SendMessageBatch. Twilio gives a webhook sink 5 s; the target is 250 events in under 1 s.

Each run sends to an empty queue of its own, as a running stack's worker keeps the queue: moto computes every
queue attribute, a scan of the whole queue, for each message it stores, so its cost per message grows with
the depth (500 events cost more than twice 250 here; on SQS a call costs the same at any depth).
"""

from __future__ import annotations

import json
import threading
import time
from contextlib import ExitStack
from typing import Any

from bench.common import ACCOUNT_SID, AUTH_TOKEN, Result, fmt_ratio, offline_environment, quiet_logs

TITLE = "Event Streams batch on the local stack"
TARGET_SECONDS = 1.0
SIZES = (250, 500)
QUICK_SIZES = (25, 50)


def error_logs(count: int, first: int) -> list[dict[str, Any]]:
    """`count` error-log CloudEvents about distinct push failures (NO sids from `first` on)."""
    from factor_cleanup.local.demo import demo_debugger_params
    from factor_cleanup.local.demo_event_streams import demo_error_log

    events = []
    for i in range(first, first + count):
        params = {**demo_debugger_params(event_sid=f"NO{i:032x}"), "AccountSid": ACCOUNT_SID}
        events.append({**demo_error_log(params), "id": f"EZ{i:032x}"})
    return events


def run(quick: bool = False) -> Result:
    import handlers.ingest
    import handlers.report
    import handlers.worker  # noqa: F401

    result = Result("event-streams", TITLE, target=f"250 events < {TARGET_SECONDS:g} s")

    with ExitStack() as stack:
        stack.enter_context(offline_environment(SWEEP_INTERVAL_SECONDS="0"))
        stack.enter_context(quiet_logs())
        local = _start_stack(stack)
        _measure(result, local, QUICK_SIZES if quick else SIZES, repeat=1 if quick else 3)
    return result


def _start_stack(stack: ExitStack) -> Any:
    """`make run` minus its worker: the poller is stopped and joined before anything is posted."""
    import os

    import handlers.ingest
    from factor_cleanup.local.stack import LocalStack

    for name in ("AWS_ENDPOINT_URL", "TWILIO_VERIFY_BASE_URL", "PUBLIC_BASE_URL", "QUEUE_URL", "VERIFY_SERVICE_SIDS"):
        os.environ.pop(name, None)  # the stack's own, as a fresh `make run` sets them
    local = LocalStack(_free_port(), env=dict(os.environ))
    handlers.ingest._service = None
    stack.callback(setattr, handlers.ingest, "_service", None)
    stack.callback(local.stop)
    local.start()
    local.serve_in_background()
    local.poller.stop()
    for thread in threading.enumerate():
        if thread.name == "sqs-poller":
            thread.join(timeout=10)  # its last long poll (1 s) ends before the first batch is posted
    return local


def _measure(result: Result, local: Any, sizes: tuple[int, ...], repeat: int) -> None:
    import handlers.ingest
    from factor_cleanup.adapters.aws.sqs_queue import SqsWorkQueue
    from factor_cleanup.domain.messages import PushFailure
    from factor_cleanup.runtime.bootstrap import boto3_client

    service = handlers.ingest.app()  # the stack's own ingest function, as it serves /twilio/events
    sqs = boto3_client("sqs")
    url = f"http://127.0.0.1:{local.port}/twilio/events"
    next_sid, timings = 0, {}
    for size in sizes:
        best = float("inf")
        for _ in range(repeat):
            queue_url = _empty_queue(sqs, f"{size}-{next_sid}")
            service.queue = SqsWorkQueue(sqs, queue_url)
            seconds, answer = _post_batch(url, error_logs(size, next_sid))
            next_sid += size
            if len(answer.get("queued", [])) != size or _depth(sqs, queue_url) != size:
                raise RuntimeError(f"{size} events posted, answer {str(answer)[:200]}")
            best = min(best, seconds)
        timings[size] = best
        result.say(
            f"{size:4d} events: {best:6.3f} s (one POST, answered 200 once SQS held all {size}; best of {repeat})"
        )

    first = sizes[0]
    messages = [
        PushFailure(event_id=f"NO{i:032x}", source="event_streams", error_code="52103")
        for i in range(next_sid, next_sid + first)
    ]
    queue = SqsWorkQueue(sqs, _empty_queue(sqs, "one-by-one"))
    started = time.perf_counter()
    for message in messages:
        queue.send(message)
    one_by_one = time.perf_counter() - started
    result.say(f"reference: the same {first} messages one SendMessage at a time: {one_by_one:6.3f} s")
    result.say("each run on an empty queue of its own (moto's cost per message grows with the queue's depth);")
    result.say("moto in server mode on this machine: compare the lines with each other, not with AWS")

    small = timings[first]
    result.figure = ", ".join(f"{size}: {seconds:.2f} s" for size, seconds in timings.items())
    result.floor = f"one SendMessage each: {first} in {one_by_one:.2f} s"
    result.ratio = fmt_ratio(small / one_by_one)
    result.met = small < TARGET_SECONDS if first == SIZES[0] else None
    result.data.update(seconds_by_size=timings, one_by_one_seconds=one_by_one)


def _empty_queue(sqs: Any, name: str) -> str:
    return sqs.create_queue(QueueName=f"bench-event-streams-{name}")["QueueUrl"]


def _post_batch(url: str, events: list[dict[str, Any]]) -> tuple[float, dict[str, Any]]:
    from factor_cleanup.local.addresses import call_json
    from factor_cleanup.local.signing import signed_json

    body = json.dumps(events)
    signed_url, headers = signed_json(url, body, AUTH_TOKEN)
    started = time.perf_counter()
    status, answer = call_json("POST", signed_url, body.encode("utf-8"), headers, timeout=60)
    seconds = time.perf_counter() - started
    if status != 200:
        raise RuntimeError(f"POST /twilio/events answered {status}: {str(answer)[:200]}")
    return seconds, answer


def _depth(sqs: Any, queue_url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    from bench.__main__ import main

    main(["--only", "event-streams"])
