"""`make load`: N signed Debugger webhooks about N fresh factors, C at a time, against a running `make run`.

    python -m factor_cleanup.local.load --events 500 --concurrency 20 --port 8080

It finds the stack's parts through its /healthz, enrols N factors in the Verify emulator
(`POST /_emulator/factors`), posts one signed "app uninstalled" webhook per factor, then polls the
cleanup report. It prints the accepted rate, the ingest latency (p50/p99) and the end-to-end drain time
(first POST until the report holds a decision for every accepted event), and exits 1 if anything
accepted was not decided. Bounded: at most 10,000 events, 100 at a time, and a deadline for the drain.
Figures from moto on one machine: compare runs with each other, not with AWS.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from factor_cleanup.local.addresses import LocalStackUnreachable, call_json
from factor_cleanup.local.demo import DEMO_AUTH_TOKEN
from factor_cleanup.local.signing import signed_form

MAX_EVENTS = 10_000
MAX_CONCURRENCY = 100
SEED_CHUNK = 500


class LoadError(RuntimeError):
    """The stack is not there or not usable for a load run; the message says what to do."""


@dataclass
class LoadResult:
    events: int
    accepted: int = 0
    refused: Counter[int] = field(default_factory=Counter)
    send_seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    decided: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    drain_seconds: float | None = None

    @property
    def rate(self) -> float:
        return self.accepted / self.send_seconds if self.send_seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else 0.0

    @property
    def nothing_lost(self) -> bool:
        return self.accepted > 0 and self.decided == self.accepted

    def lines(self) -> list[str]:
        refused = f"; refused {dict(self.refused)}" if self.refused else ""
        drained = (
            f"{self.decided}/{self.accepted} decided {self.drain_seconds:.2f} s after the first POST"
            if self.drain_seconds is not None
            else f"only {self.decided}/{self.accepted} decided before the deadline"
        )
        return [
            f"  ingest: {self.accepted}/{self.events} accepted in {self.send_seconds:.2f} s = {self.rate:.1f} events/s; "
            f"latency p50 {self.percentile(0.5) * 1000:.1f} ms, p99 {self.percentile(0.99) * 1000:.1f} ms{refused}",
            f"  drain:  {drained} ({', '.join(f'{k} {v}' for k, v in sorted(self.outcomes.items())) or 'no decisions'})",
            f"  {'nothing lost' if self.nothing_lost else 'LOST'}: accepted {self.accepted}, decided {self.decided}",
        ]


def run(events: int, concurrency: int, port: int, timeout: float = 120.0, out: Any = sys.stdout) -> LoadResult:
    """Seed, send, wait for the decisions; print as it goes and return the figures."""
    if not 1 <= events <= MAX_EVENTS or not 1 <= concurrency <= MAX_CONCURRENCY:
        raise LoadError(f"--events must be 1..{MAX_EVENTS} and --concurrency 1..{MAX_CONCURRENCY}")
    base = f"http://127.0.0.1:{port}"
    local = _stack(base)
    service_sid = (local.get("verify_service_sids") or "").split(",")[0]
    if not local.get("verify_base_url") or not service_sid:
        raise LoadError("the stack names no Verify emulator or service; run `make run` without TWILIO_VERIFY_BASE_URL")
    webhook_url = local.get("public_base_url", base) + "/twilio/debugger"
    print(f"make load: {events} events, concurrency {concurrency} -> {webhook_url}", file=out, flush=True)
    factors = _seed(local["verify_base_url"], service_sid, events)
    print(
        f"  seeded {len(factors)} factors in {service_sid} (Verify emulator {local['verify_base_url']})",
        file=out,
        flush=True,
    )

    token = os.environ.get("TWILIO_AUTH_TOKEN") or DEMO_AUTH_TOKEN
    account_sid = local.get("account_sid", "")
    signed = [
        signed_form(webhook_url, _params(account_sid, service_sid, identity, sid), token) for sid, identity in factors
    ]
    result = LoadResult(events)
    accepted_sids: set[str] = set()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="load") as pool:
        for status, seconds, answer in pool.map(lambda r: _post(f"{base}/twilio/debugger", *r), signed):
            result.latencies.append(seconds)
            if status == 200 and answer.get("status") == "queued":
                accepted_sids.add(answer["event_sid"])
            else:
                result.refused[status] += 1
    result.send_seconds = time.monotonic() - started
    result.accepted = len(accepted_sids)

    # The report reads the whole ledger, which competes with the worker for the one process: ask for it only
    # once the work queue looks empty (a cheap GetQueueAttributes), or every few seconds regardless.
    deadline, next_report = started + timeout, 0.0
    work_queue = _work_queue(local)
    while True:
        now = time.monotonic()
        if now >= next_report or work_queue() == 0:
            result.decided, result.outcomes = _decisions(base, accepted_sids)
            next_report = now + 5.0
            if result.decided >= result.accepted:
                result.drain_seconds = time.monotonic() - started
                break
        if now > deadline:
            break
        time.sleep(0.1)
    for line in result.lines():
        print(line, file=out, flush=True)
    return result


def _params(account_sid: str, service_sid: str, identity: str, factor_sid: str) -> dict[str, str]:
    """What Twilio posts when a push to an uninstalled Android app fails, for one factor."""
    challenge = "YC" + secrets.token_hex(16)
    payload = {
        "resource_sid": challenge,
        "service_sid": service_sid,
        "error_code": "52103",
        "more_info": {
            "bindingType": "fcm",
            "correlationIds": f"[{factor_sid}, {identity}, {challenge}, {service_sid}]",
            "description": "GCM/FCM client uninstalled or turned off notifications",
        },
    }
    return {
        "Sid": "NO" + secrets.token_hex(16),
        "AccountSid": account_sid,
        "Timestamp": _now(),
        "Level": "Error",
        "PayloadType": "application/json",
        "Payload": json.dumps(payload),
    }


def _now() -> str:
    return _iso(time.time())


def _iso(epoch_seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_seconds))


def _stack(base: str) -> dict[str, str]:
    status, health = _http("GET", f"{base}/healthz")
    if status != 200 or not health.get("ready"):
        raise LoadError(f"{base}/healthz answered {status}: {json.dumps(health)}; wait for `make run` to be ready")
    local = health.get("local") or {}
    if not local:
        raise LoadError(f"{base}/healthz does not describe a local stack; is this push-janitor's `make run`?")
    return local


def _seed(verify_base_url: str, service_sid: str, count: int) -> list[tuple[str, str]]:
    """(factor sid, identity) of `count` new factors, one per identity, enrolled through the emulator's controls."""
    run_id = secrets.token_hex(3)
    factors: list[tuple[str, str]] = []
    enrolled = _iso(time.time() - 86400)  # yesterday: a factor updated minutes before its error counts as alive
    for start in range(0, count, SEED_CHUNK):
        wanted = [
            {"service_sid": service_sid, "identity": f"load-{run_id}-{n:05d}", "date_created": enrolled}
            for n in range(start, min(count, start + SEED_CHUNK))
        ]
        status, created = _http(
            "POST",
            f"{verify_base_url}/_emulator/factors",
            json.dumps(wanted).encode(),
            {"Content-Type": "application/json"},
        )
        if status != 201:
            raise LoadError(f"the Verify emulator refused to enrol factors ({status}): {json.dumps(created)}")
        factors += [(factor["sid"], factor["identity"]) for factor in created]
    return factors


def _work_queue(local: dict[str, str]) -> Any:
    """A function answering how many messages the stack's work queue holds (visible or in flight)."""
    import boto3

    sqs = boto3.client(
        "sqs",
        endpoint_url=local["aws_endpoint_url"],
        region_name=local.get("region", "us-east-1"),
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]

    def depth() -> int:
        attributes = sqs.get_queue_attributes(QueueUrl=local["queue_url"], AttributeNames=names)["Attributes"]
        return sum(int(attributes[name]) for name in names)

    return depth


def _post(url: str, body: str, headers: dict[str, str]) -> tuple[int, float, dict[str, Any]]:
    started = time.monotonic()
    status, answer = _http("POST", url, body.encode(), headers)
    return status, time.monotonic() - started, answer


def _decisions(base: str, event_sids: set[str]) -> tuple[int, Counter[str]]:
    status, report = _http("GET", f"{base}/reports/cleanup.json?since=1d")
    if status != 200:
        return 0, Counter()
    ours = [action for action in report.get("actions", []) if action.get("event_sid") in event_sids]
    return len(ours), Counter(action.get("outcome") for action in ours)


def _http(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    try:
        return call_json(method, url, body, headers, timeout=30)
    except LocalStackUnreachable as exc:
        raise LoadError(f"{exc}; start the stack with `make run`") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m factor_cleanup.local.load", description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=500, help=f"webhooks to send, 1..{MAX_EVENTS} (default 500)")
    parser.add_argument(
        "--concurrency", type=int, default=20, help=f"requests in flight, 1..{MAX_CONCURRENCY} (default 20)"
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for every decision (default 120)")
    args = parser.parse_args(argv)
    try:
        result = run(args.events, args.concurrency, args.port, args.timeout)
    except LoadError as exc:
        print(f"push-janitor: {exc}", file=sys.stderr)
        return 2
    return 0 if result.nothing_lost else 1


if __name__ == "__main__":
    sys.exit(main())
