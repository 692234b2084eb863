"""Shared pieces of the benchmarks: the result shape, timing loops, an offline environment, machine facts."""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "infra" / "template.yaml"

ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
SERVICE_SID = "VA" + "5" * 32
# When the benches' factors were enrolled: before their push errors (dated 2026-11-25, or now), since a factor
# Verify shows updated after its error, or up to CLOCK_SKEW before it, is alive and never deleted.
ENROLLED = datetime(2026, 11, 1, tzinfo=UTC)
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/push-janitor-WorkQueue"

# Enough for boto3 and the handlers to build everything without touching a network or ~/.aws.
OFFLINE_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
    "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    "QUEUE_URL": QUEUE_URL,
    "LEDGER_TABLE": "push-janitor-LedgerTable",
    "IDEMPOTENCY_TABLE": "push-janitor-IdempotencyTable",
    "VERIFY_SERVICE_SIDS": SERVICE_SID,
    "CLEANUP_MODE": "delete",
    "REGISTRY_TABLE": "push-janitor-FactorRegistryTable",  # delete mode needs it, and the template always sets it
    "LOG_LEVEL": "WARNING",
}
_DROP = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN", "TWILIO_AUTH_TOKEN_PARAMETER")


@dataclass
class Result:
    """One benchmark's headline (a figure, the floor it is compared with, the ratio) plus its detail lines."""

    name: str
    title: str
    figure: str = "-"
    floor: str = "-"
    ratio: str = "-"
    target: str = "-"
    met: bool | None = None  # None: no target, or not measured
    details: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        return {True: "met", False: "MISSED", None: "-"}[self.met]

    def say(self, line: str) -> None:
        self.details.append(line)


def unavailable(name: str, title: str, reason: str) -> Result:
    result = Result(name, title, figure=f"not yet available: {reason}")
    result.say(f"not yet available: {reason}")
    return result


def best_per_call(func: Callable[[], Any], number: int, repeat: int) -> float:
    """Seconds per call: the best of `repeat` loops of `number` calls (timeit's rule: noise only adds)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            func()
        best = min(best, time.perf_counter() - start)
    return best / number


def median(values: list[float]) -> float:
    return statistics.median(values)


def child_env(**extra: str) -> dict[str, str]:
    """Environment for a fresh interpreter: the offline settings, no inherited AWS or Python overrides."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    return {**keep, **OFFLINE_ENV, "PYTHONPATH": str(ROOT), **extra}


@contextlib.contextmanager
def offline_environment(**extra: str) -> Iterator[None]:
    """Set the offline settings in this process and restore the environment afterwards."""
    saved = dict(os.environ)
    for name in _DROP:
        os.environ.pop(name, None)
    os.environ.update({**OFFLINE_ENV, **extra})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def quiet_logs() -> Iterator[None]:
    """Structured logs at WARNING into /dev/null while a benchmark runs, then the normal configuration."""
    import logging

    import structlog

    from factor_cleanup.runtime import logs

    with open(os.devnull, "w") as sink:
        logs.configure("WARNING")
        structlog.configure(logger_factory=structlog.PrintLoggerFactory(sink))
        werkzeug = logging.getLogger("werkzeug")
        level = werkzeug.level
        werkzeug.setLevel(logging.ERROR)
        try:
            yield
        finally:
            werkzeug.setLevel(level)
            logs.configure()


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        model = next((line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name")), "")
    except (OSError, subprocess.SubprocessError):
        model = ""
    return {
        "cpus": str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()),  # = nproc
        "cpu_model": model or platform.processor() or "unknown",
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
    }


def fmt_ratio(value: float) -> str:
    return f"{value:.2f}x"


def python() -> str:
    return sys.executable
