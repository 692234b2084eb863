"""Builds the app: Settings and the outside world in, each Lambda function's service out.

As in cosmicpython's `bootstrap`, the outside world comes in as arguments with production defaults:
`clock` (the system clock), `aws` (one boto3 client per service), `verify` (Twilio's REST client, built on
its first call) and each port itself (`work_queue`, `ledger`, `registry`, `breaker_store`, …), which
tests replace with the fakes of tests/fakes.py or adapters on moto. The functions and the tests build
the same app through `build_app`; nothing else in the package knows boto3 or Twilio's client.

Every part is built on first use and kept: a function imports, and connects to, only what its own path
runs (README "Performance"), and a setting it does not read cannot stop it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from factor_cleanup.runtime import credentials
from factor_cleanup.runtime.adapters import (
    Adapters,
    Wiring,
    boto3_client,
    log_configuration_error,
)
from factor_cleanup.runtime.credentials import ConfigurationError
from factor_cleanup.runtime.settings import DELETE_NEEDS_REGISTRY, Settings
from factor_cleanup.runtime.startup import gc_paused

if TYPE_CHECKING:  # each function's modules stay off the others' cold start
    from factor_cleanup.domain.breaker import CircuitBreaker
    from factor_cleanup.domain.ports import WorkQueue
    from factor_cleanup.intake.app_activity import ActivityAuthenticator
    from factor_cleanup.intake.ingest import IngestService
    from factor_cleanup.intake.kinesis import KinesisIntake
    from factor_cleanup.intake.report_page import ReportPages
    from factor_cleanup.runtime.deadline import RecordBudget
    from factor_cleanup.runtime.worker import Route, Worker
    from factor_cleanup.services.cleanup import CleanupService
    from factor_cleanup.services.daily_report import DailyReport
    from factor_cleanup.services.sweeper import Sweeper
    from factor_cleanup.services.tracker import FactorTracker

__all__ = [
    "Adapters",
    "App",
    "ConfigurationError",
    "Lazy",
    "boto3_client",
    "build_app",
    "lazy",
    "load_settings",
    "log_configuration_error",
]

T = TypeVar("T")


def load_settings() -> Settings:
    """The environment, validated now; a bad value is a ConfigurationError naming the variable."""
    from pydantic import ValidationError

    try:
        settings = Settings.from_environ()
    except ValidationError as exc:
        problems = "; ".join(_name_the_variable(error) for error in exc.errors(include_url=False))
        raise ConfigurationError(f"invalid configuration: {problems}") from None
    refused = settings.refused()
    if refused:
        raise ConfigurationError(refused)
    return settings


def _name_the_variable(error: Any) -> str:
    """pydantic names the field; ops set the environment variable (a model-wide check names its own)."""
    variable = "_".join(str(part) for part in error["loc"]).upper()
    return f"{variable}: {error['msg']}" if variable else str(error["msg"])


def build_app(settings: Settings | None = None, **adapters: Any) -> App:
    """The app on `settings` (read from the environment when None); each adapter given replaces its default."""
    return App(settings if settings is not None else load_settings(), Adapters(**adapters))


class App(Wiring):
    """Everything a function runs, each part built on first use and kept. A missing setting a part needs
    raises ConfigurationError naming the variable (the HTTP functions answer 503, the others fail and retry).
    A part may also be set before the parts built from it are first used, e.g. a test's `record_budget`."""

    # --- what each function runs -------------------------------------------------------------------
    @cached_property
    def ingest(self) -> IngestService:
        """IngestFunction: the webhooks and POST /app/activity, each acknowledged once its message is queued."""
        from factor_cleanup.intake.ingest import IngestService
        from factor_cleanup.intake.signature import SignatureChecker

        config = self.settings
        if not config.twilio_account_sid:
            raise ConfigurationError("TWILIO_ACCOUNT_SID is required to check webhooks")
        if not credentials.auth_token(config).configured:
            raise ConfigurationError("set TWILIO_AUTH_TOKEN or TWILIO_AUTH_TOKEN_PARAMETER")
        activity = self.activity_authenticator
        tokens = SignatureChecker(lambda: credentials.signing_tokens(config, self._ssm), config.webhook_url_fragment)
        return IngestService(
            queue=self.work_queue,
            signatures=tokens,
            account_sid=config.twilio_account_sid,
            public_base_url=config.public_base_url or None,
            activity=activity,
            clock=self.clock,
            activity_queue=self.activity_queue if activity else None,
        )

    @cached_property
    def kinesis(self) -> KinesisIntake:
        """KinesisEventsFunction: Event Streams' Kinesis sink into the work queue."""
        from factor_cleanup.intake.kinesis import KinesisIntake

        return KinesisIntake(self.work_queue, self.settings.twilio_account_sid)

    @cached_property
    def worker(self) -> Worker:
        """WorkerFunction. Its route table is what it does: push failures and sweeper candidates go to the
        cleanup service, which asks domain/decision.py's `decide`; Verify events only update the registry."""
        routes: dict[str, Route] = {
            "push_failure": self.cleanup.handle_push_failure,
            "inactive_candidate": self.cleanup.handle_inactive_candidate,
            "verify_event": self._tracked(lambda tracker: tracker.apply_verify_event),
            "app_activity": self._tracked(lambda tracker: tracker.apply_activity),  # queued here before ActivityQueue
        }
        return self._queue_consumer(routes, self.work_queue, self.record_budget)

    @cached_property
    def record_budget(self) -> RecordBudget:
        """The time a work-queue record may take: the worker starts only what can end before its deadline."""
        from factor_cleanup.runtime.deadline import RecordBudget

        return RecordBudget(self.settings.verify_timeout_seconds, self.settings.verify_max_in_flight)

    @cached_property
    def activity_worker(self) -> Worker:
        """ActivityFunction: customer backends may write to its queue, so its one route can only move last_seen."""
        if self.tracker is None:
            raise ConfigurationError("REGISTRY_TABLE is required by the activity worker")
        return self._queue_consumer({"app_activity": self.tracker.apply_activity}, self.activity_queue)

    @cached_property
    def sweeper(self) -> Sweeper:
        """SweeperFunction: stale factors from the registry's sweep index onto the work queue."""
        from factor_cleanup.services.sweeper import Sweeper

        if self.registry is None:
            raise ConfigurationError("REGISTRY_TABLE is required by the sweeper")
        config = self.settings
        return Sweeper(
            self.registry,
            self.work_queue,
            self.clock,
            config.verify_service_sids,
            self.inactivity_rule,
            config.sweep_page_size,
        )

    @cached_property
    def daily_report(self) -> DailyReport:
        """DailyReportFunction: the day's report files into the report store, the summary to the notifier."""
        from factor_cleanup.services.daily_report import DailyReport

        return DailyReport(self.ledger, self.report_store, self.clock, self.queue_stats, self.notifier)

    @cached_property
    def report_pages(self) -> ReportPages:
        """The local stack's report routes (GET /reports/cleanup.{json,csv,html})."""
        from factor_cleanup.intake.report_page import ReportPages

        return ReportPages(self.ledger, self.queue_stats, self.clock)

    # --- the services they share -------------------------------------------------------------------
    @cached_property
    def cleanup(self) -> CleanupService:
        """Carries out decisions: the evidence in, `decide`, then the breaker, Verify, the registry and the ledger."""
        from factor_cleanup.domain.error_codes import ErrorCodePolicy
        from factor_cleanup.services.cleanup import CleanupService

        config = self.settings
        if config.cleanup_mode == "delete" and self.registry is None:  # load_settings refused it already, but an
            raise ConfigurationError(DELETE_NEEDS_REGISTRY)  # app built from Settings and adapters comes here
        return CleanupService(
            ledger=self.ledger,
            verify=self.verify,
            clock=self.clock,
            policy=ErrorCodePolicy(config.error_code_overrides),
            managed_services=config.verify_service_sids,
            mode=config.cleanup_mode,
            registry=self.registry,
            inactivity=self.inactivity_rule,
            breaker=self.breaker,
        )

    @cached_property
    def tracker(self) -> FactorTracker | None:
        from factor_cleanup.services.tracker import FactorTracker

        return FactorTracker(self.registry, self.clock) if self.registry is not None else None

    @cached_property
    def breaker(self) -> CircuitBreaker | None:
        """The per-service deletion limit; none without a store (the template always sets SAFETY_TABLE)."""
        from factor_cleanup.domain.breaker import CircuitBreaker

        store = self.breaker_store
        config = self.settings
        if store is None:
            return None
        return CircuitBreaker(
            store,
            config.max_deletions_per_hour,
            config.config_error_trip_count,
            config.max_deletions_percent_per_hour,
            self.registry,
        )  # the registry counts factors

    @cached_property
    def inactivity_rule(self) -> Any:
        from factor_cleanup.domain.inactivity import InactivityRule

        return InactivityRule(self.settings.inactive_days, self.settings.unanswered_challenges)

    @cached_property
    def activity_authenticator(self) -> ActivityAuthenticator | None:
        """None (POST /app/activity answers 404) until APP_ACTIVITY_SECRET or its SSM parameter is configured."""
        config = self.settings
        secret = credentials.Secret(
            "APP_ACTIVITY_SECRET",
            config.app_activity_secret,
            config.app_activity_secret_parameter,
            config.secret_cache_seconds,
            self._ssm,
        )
        if not secret.configured:
            return None
        from factor_cleanup.intake.app_activity import ActivityAuthenticator

        return ActivityAuthenticator(secret.get, self.clock, config.app_activity_max_skew_seconds)

    def _tracked(self, route: Callable[[FactorTracker], Route]) -> Route:
        """The tracker's route; without a registry, one that fails the record (it waits in the DLQ until
        REGISTRY_TABLE is set)."""
        return route(self.tracker) if self.tracker is not None else _registry_required

    def _queue_consumer(self, routes: dict[str, Route], queue: WorkQueue, budget: RecordBudget | None = None) -> Worker:
        """A queue's worker; `budget` paces records that call Verify (the activity queue's never do)."""
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

        from factor_cleanup.runtime.worker import Worker

        config = self.settings
        if not config.idempotency_table:
            raise ConfigurationError("IDEMPOTENCY_TABLE is required by the worker")
        persistence = DynamoDBPersistenceLayer(table_name=config.idempotency_table, boto3_client=self.aws("dynamodb"))
        return Worker(
            routes=routes,
            persistence=persistence,
            delay_retry=queue.delay_retry,
            idempotency_window_seconds=config.idempotency_window_seconds,
            record_concurrency=config.worker_record_concurrency,
            budget=budget,
        )


def _registry_required(message: Any) -> dict[str, Any]:
    from factor_cleanup.services.cleanup import RegistryRequired

    raise RegistryRequired(f"{message.kind} messages need the factor registry: set REGISTRY_TABLE")


class Lazy(Generic[T]):
    """A value built on the first call and kept. A handler's app is built inside its first invocation, where
    a configuration error can still be answered (503) and logged; a failed build is tried again next time.
    The build runs with garbage collection paused (runtime/startup.py)."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None
        self._lock = threading.Lock()

    def __call__(self) -> T:
        with self._lock:
            if self._value is None:
                with gc_paused():
                    self._value = self._build()
            return self._value

    def reset(self) -> None:
        """Forget the value, as a fresh Lambda instance would (the local stack and tests reconfigure)."""
        with self._lock:
            self._value = None


def lazy(build: Callable[[], T]) -> Lazy[T]:
    """A handler's module-level app: `lazy(lambda: build_app().worker)` is the worker its function runs, built
    from the environment on the handler's first call."""
    return Lazy(build)
