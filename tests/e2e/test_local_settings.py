"""`make run` takes its settings from the shell: a value in the environment wins over the template's default."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from factor_cleanup.local.demo import DEMO_AUTH_TOKEN
from factor_cleanup.local.signing import signed_form
from factor_cleanup.runtime import bootstrap
from tests.conftest import debugger_params, running_local_stack

# One value per kind of setting: a breaker limit, a sweep knob, a JSON table, a worker bound, the log level.
SHELL = {
    "MAX_DELETIONS_PER_HOUR": "1000",
    "INACTIVE_DAYS": "45",
    "UNANSWERED_CHALLENGES": "5",
    "VERIFY_MAX_IN_FLIGHT": "4",
    "SWEEP_PAGE_SIZE": "7",
    "ERROR_CODE_OVERRIDES": '{"52119": "bad_token"}',
    "WORKER_RECORD_CONCURRENCY": "9",
    "VERIFY_TIMEOUT_SECONDS": "3",
    "IDEMPOTENCY_WINDOW_SECONDS": "3600",
    "SECRET_CACHE_SECONDS": "0",
    "APP_ACTIVITY_MAX_SKEW_SECONDS": "60",
    "WEBHOOK_URL_FRAGMENT": "",
    "LOG_LEVEL": "WARNING",
    "SWEEP_INTERVAL_SECONDS": "0",
    # Token rotation: the previous token (the demo's) counts until the end of the grace period.
    "TWILIO_AUTH_TOKEN": "new-primary-token-0123456789abcd",
    "TWILIO_AUTH_TOKEN_PREVIOUS": DEMO_AUTH_TOKEN,
    "TWILIO_AUTH_TOKEN_PREVIOUS_UNTIL": "2999-01-01T00:00:00Z",
}


EXPECTED = {
    "max_deletions_per_hour": 1000,
    "inactive_days": 45,
    "unanswered_challenges": 5,
    "verify_max_in_flight": 4,
    "sweep_page_size": 7,
    "error_code_overrides": {"52119": "bad_token"},
    "worker_record_concurrency": 9,
    "verify_timeout_seconds": 3.0,
    "idempotency_window_seconds": 3600,
    "secret_cache_seconds": 0,
    "app_activity_max_skew_seconds": 60,
    "webhook_url_fragment": "",
    "log_level": "WARNING",
}


def post_signed(port: int, token: str) -> int:
    url = f"http://127.0.0.1:{port}/twilio/debugger"
    body, headers = signed_form(url, debugger_params(account_sid=bootstrap.load_settings().twilio_account_sid), token)
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_settings_from_the_shell_win_over_the_template_defaults(restore_environ):
    with running_local_stack(restore_environ, **SHELL) as local:
        settings = bootstrap.load_settings()
        assert {field: getattr(settings, field) for field in EXPECTED} == EXPECTED
        # Token rotation: the stack started, and both tokens sign valid webhooks; any other does not.
        assert post_signed(local.port, DEMO_AUTH_TOKEN) == 200
        assert post_signed(local.port, SHELL["TWILIO_AUTH_TOKEN"]) == 200
        assert post_signed(local.port, "some-other-token-0123456789abcdef") == 403


def test_an_invalid_setting_stops_make_run_naming_it(restore_environ):
    from factor_cleanup.local.stack import run
    from tests.conftest import LOCAL_STACK_OVERRIDES, free_port

    for name in LOCAL_STACK_OVERRIDES:
        restore_environ.pop(name, None)
    restore_environ["MAX_DELETIONS_PER_HOUR"] = "1000000"  # above Settings' cap of 100,000
    with pytest.raises(SystemExit) as stopped:
        run(free_port())
    assert "MAX_DELETIONS_PER_HOUR" in str(stopped.value.code)


def health(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_healthz_is_not_ready_while_the_configuration_is_invalid(restore_environ):
    with running_local_stack(restore_environ, SWEEP_INTERVAL_SECONDS="0") as local:
        status, body = health(local.port)
        assert status == 200 and body["ready"] and body["checks"]["configuration"]
        restore_environ["VERIFY_MAX_IN_FLIGHT"] = "0"
        status, body = health(local.port)
        assert status == 503 and not body["ready"] and body["checks"]["configuration"] is False
