"""A CleanupService with a circuit breaker over any BreakerStore, and the push failures that feed it."""

from __future__ import annotations

from factor_cleanup.domain.messages import PushFailure
from tests.conftest import IDENTITY, SERVICE_SID
from tests.fake_app import fake_app, settings
from tests.fakes import FakeRegistry, FakeVerify, FixedClock

OTHER_SERVICE = "VA" + "e" * 32


def factor(n: int) -> str:
    return "YF" + f"{n:032x}"


def failure(n: int, service: str = SERVICE_SID, code: str = "52103") -> PushFailure:
    return PushFailure(
        event_id="NO" + f"{n:032x}",
        source="debugger",
        error_code=code,
        service_sid=service,
        identity=IDENTITY,
        factor_sid=factor(n),
        occurred_at="2026-11-25T11:00:00Z",
    )


def service(store, limit=5, config_trips=3, clock=None, factors=range(100)):
    verify = FakeVerify({(s, IDENTITY, factor(n)) for n in factors for s in (SERVICE_SID, OTHER_SERVICE)})
    config = settings(
        verify_service_sids=frozenset({SERVICE_SID, OTHER_SERVICE}),
        max_deletions_per_hour=limit,
        config_error_trip_count=config_trips,
    )
    cleanup = fake_app(
        config, verify=verify, clock=clock or FixedClock(), breaker_store=store, registry=FakeRegistry()
    ).cleanup
    return cleanup, verify
