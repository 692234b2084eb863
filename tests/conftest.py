"""Shared fixtures. Tests never reach AWS or Twilio: moto and fakes only, and servers on 127.0.0.1."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager

import pytest

# Before any boto3 client exists: fake credentials, a region, and no endpoint left over from the shell.
os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
SERVICE_SID = "VA" + "a" * 32
FACTOR_SID = "YF" + "b" * 32
CHALLENGE_SID = "YC" + "c" * 32
IDENTITY = "user-7f3a-0001"
BASE_URL = "https://hooks.example.com"


def debugger_params(
    *,
    sid: str = "NO" + "d" * 32,
    error_code: str = "52103",
    correlation_ids: object = None,
    description: str = "Notification delivery failed: app uninstalled",
    account_sid: str = ACCOUNT_SID,
    **extra: str,
) -> dict[str, str]:
    """Form parameters of a Debugger webhook for a Verify Push failure."""
    if correlation_ids is None:
        correlation_ids = f"[{SERVICE_SID}, {IDENTITY}, {FACTOR_SID}, {CHALLENGE_SID}]"
    payload = {
        "resource_sid": CHALLENGE_SID,
        "service_sid": SERVICE_SID,
        "error_code": error_code,
        "more_info": {"bindingType": "fcm", "correlationIds": correlation_ids, "description": description},
        "webhook": {},
    }
    params = {
        "Sid": sid,
        "AccountSid": account_sid,
        "Timestamp": "2026-11-25T11:59:00Z",
        "Level": "Error",
        "PayloadType": "application/json",
        "Payload": json.dumps(payload),
    }
    params.update(extra)
    return params


HANDLERS = ("activity", "daily_report", "ingest", "kinesis_events", "report", "sweeper", "worker")


def reset_handlers() -> None:
    """Forget the app each handler built on its first call, as a fresh Lambda instance would."""
    import importlib

    for name in HANDLERS:
        importlib.import_module(f"handlers.{name}").app.reset()


@pytest.fixture
def restore_environ():
    """For tests that configure the process environment the way a Lambda or `make run` would."""
    saved = dict(os.environ)
    reset_handlers()
    yield os.environ
    os.environ.clear()
    os.environ.update(saved)
    reset_handlers()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Settings a developer's shell may carry that would point `make run` away from its demo defaults.
LOCAL_STACK_OVERRIDES = (
    "TWILIO_VERIFY_BASE_URL",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "CLEANUP_MODE",
    "VERIFY_SERVICE_SIDS",
    "PUBLIC_BASE_URL",
    "APP_ACTIVITY_SECRET",
    "LEDGER_TABLE",
)


@contextmanager
def running_local_stack(environ, **settings: str):
    """`make run` in this process, as a new user starts it (plus `settings`), served on a free port."""
    from factor_cleanup.local.stack import LocalStack

    for name in LOCAL_STACK_OVERRIDES:
        environ.pop(name, None)
    environ.update(settings)
    local = LocalStack(free_port(), env=dict(environ))
    local.start()
    local.serve_in_background()
    try:
        yield local
    finally:
        local.stop()


@contextmanager
def served_emulator(state):
    """The Verify emulator over `state` on a free port; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    from factor_cleanup.local.verify_emulator import create_emulator_app

    server = make_server("127.0.0.1", 0, create_emulator_app(state), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
