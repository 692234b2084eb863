"""The app as production builds it (bootstrap.build_app), on fakes: cosmicpython's bootstrap_test_app.

Tests get their services from `fake_app(...)`: the same wiring as the Lambda functions, with every port a
fake unless the test passes its own (a moto-backed adapter, or `aws=` a client factory for moto).
"""

from __future__ import annotations

from typing import Any

from factor_cleanup.runtime.bootstrap import App, build_app
from factor_cleanup.runtime.settings import Settings
from tests.aws import LocalAws
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID
from tests.fakes import FakeLedger, FakeQueue, FakeVerify, FixedClock


def no_aws(service: str) -> Any:
    """The default client factory of a fake app: a test that reaches AWS must say so (moto, or a fake port)."""
    raise AssertionError(f"this app has no {service} client: pass a fake port, or aws= a moto client factory")


def settings(**fields: Any) -> Settings:
    """Settings as a test deployment has them (our account and token, one managed service, delete mode),
    with `fields` changed; the process environment is not read."""
    defaults: dict[str, Any] = {
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "verify_service_sids": frozenset({SERVICE_SID}),
        "cleanup_mode": "delete",
    }
    return Settings.model_validate({**defaults, **fields})


def fake_app(config: Settings | None = None, **adapters: Any) -> App:
    """The app on `config` (settings() when None). Ports not given: a fake ledger, queues, Verify and clock;
    no registry, breaker, report store or notifier (as when their tables are not configured)."""
    given: dict[str, Any] = {
        "clock": FixedClock(),
        "aws": no_aws,
        "verify": FakeVerify(),
        "ledger": FakeLedger(),
        "work_queue": FakeQueue(),
        "activity_queue": FakeQueue(),
    }
    return build_app(config or settings(), **{**given, **adapters})


def moto_app(aws: LocalAws, config: Settings | None = None, **adapters: Any) -> App:
    """The app on the template's queues and tables in moto (tests/aws.py), built from settings as on AWS;
    Verify and the clock are fakes unless given."""
    tables = {
        "queue_url": aws.queue_url,
        "ledger_table": aws.ledger_table,
        "idempotency_table": aws.idempotency_table,
        "registry_table": aws.registry_table,
    }
    config = (config or settings()).model_copy(update=tables)
    given: dict[str, Any] = {"clock": FixedClock(), "verify": FakeVerify(), "aws": aws.client}
    return build_app(config, **{**given, **adapters})
