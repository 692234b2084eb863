"""Wires the core to its adapters from Settings. The only place that knows about boto3 and Twilio."""

from __future__ import annotations

import threading
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from factor_cleanup.adapters.aws.sqs_queue import SqsWorkQueue
from factor_cleanup.domain.clock import SystemClock  # also imported from here by handlers
from factor_cleanup.intake.app_activity import ActivityAuthenticator
from factor_cleanup.intake.ingest import IngestService
from factor_cleanup.intake.signature import SignatureChecker
from factor_cleanup.runtime import credentials
from factor_cleanup.runtime.settings import Settings

if TYPE_CHECKING:  # the worker's modules stay off the webhook function's cold start
    from factor_cleanup.adapters.aws.ledger import DynamoDbLedger
    from factor_cleanup.domain.inactivity import InactivityRule
    from factor_cleanup.services.cleanup import CleanupService

# Short timeouts: a webhook must be answered within Twilio's 15 s, and a slow call is better retried.
AWS_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})


@cache
def settings() -> Settings:
    """The process's settings, read once (a Lambda instance's environment does not change)."""
    return load_settings()


def load_settings() -> Settings:
    """The environment, validated now; a bad value is a ConfigurationError naming the variable."""
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(_name_the_variable(error) for error in exc.errors(include_url=False))
        raise credentials.ConfigurationError(f"invalid configuration: {problems}") from None


def _name_the_variable(error: Any) -> str:
    """pydantic names the field; ops set the environment variable (a model-wide check names its own)."""
    variable = "_".join(str(part) for part in error["loc"]).upper()
    return f"{variable}: {error['msg']}" if variable else str(error["msg"])


@cache
def aws_client(service: str) -> Any:
    """One client per service per process; boto3 reads AWS_ENDPOINT_URL, which points it at moto locally."""
    return boto3.client(service, config=AWS_CONFIG)


def _ssm() -> Any:
    return aws_client("ssm")


def ingest_service(config: Settings) -> IngestService:
    if not config.twilio_account_sid:
        raise credentials.ConfigurationError("TWILIO_ACCOUNT_SID is required to check webhooks")
    token = credentials.auth_token(config)
    if not token.configured:
        raise credentials.ConfigurationError("set TWILIO_AUTH_TOKEN or TWILIO_AUTH_TOKEN_PARAMETER")
    activity = activity_authenticator(config)
    if activity and not config.activity_queue_url:
        raise credentials.ConfigurationError("ACTIVITY_QUEUE_URL is required while POST /app/activity is on")
    return IngestService(
        queue=SqsWorkQueue(aws_client("sqs"), config.queue_url),
        signatures=SignatureChecker(lambda: credentials.signing_tokens(config, _ssm), config.webhook_url_fragment),
        account_sid=config.twilio_account_sid,
        public_base_url=config.public_base_url or None,
        activity=activity,
        activity_queue=SqsWorkQueue(aws_client("sqs"), config.activity_queue_url) if activity else None,
    )


def activity_authenticator(config: Settings) -> ActivityAuthenticator | None:
    """None (POST /app/activity answers 404) until APP_ACTIVITY_SECRET or its SSM parameter is configured."""
    secret = credentials.Secret("APP_ACTIVITY_SECRET", config.app_activity_secret, config.app_activity_secret_parameter,
                                config.secret_cache_seconds, _ssm)  # fmt: skip
    if not secret.configured:
        return None
    return ActivityAuthenticator(secret.get, SystemClock(), config.app_activity_max_skew_seconds)


class LazyVerifyApi:
    """Builds the Twilio client on the first DELETE: report-only runs and cold starts skip it."""

    def __init__(self, config: Settings) -> None:
        self._config = config
        self._api: Any = None
        self._lock = threading.Lock()

    def delete_factor(self, service_sid: str, identity: str, factor_sid: str) -> None:
        self._client().delete_factor(service_sid, identity, factor_sid)

    def fetch_factor(self, service_sid: str, identity: str, factor_sid: str) -> Any:
        return self._client().fetch_factor(service_sid, identity, factor_sid)

    def recent_challenges(self, service_sid: str, identity: str, factor_sid: str, limit: int) -> Any:
        return self._client().recent_challenges(service_sid, identity, factor_sid, limit)

    def list_factors(self, service_sid: str) -> Any:
        return self._client().list_factors(service_sid)

    def _client(self) -> Any:
        with self._lock:
            if self._api is None:
                from factor_cleanup.adapters.twilio.verify_api import TwilioVerifyApi

                username, password = credentials.rest_credentials(self._config, _ssm)
                self._api = TwilioVerifyApi(
                    self._config.twilio_account_sid,
                    username,
                    password,
                    base_url=self._config.twilio_verify_base_url,
                    timeout=self._config.verify_timeout_seconds,
                    max_in_flight=self._config.verify_max_in_flight,
                )
            return self._api


def ledger(config: Settings) -> DynamoDbLedger:
    from factor_cleanup.adapters.aws.ledger import DynamoDbLedger

    if not config.ledger_table:
        raise credentials.ConfigurationError("LEDGER_TABLE is required")
    return DynamoDbLedger(aws_client("dynamodb"), config.ledger_table, config.ledger_retention_days)


def registry(config: Settings) -> Any:
    """The factor registry, or None when REGISTRY_TABLE is unset (no identity resolution, no liveness check)."""
    from factor_cleanup.adapters.aws.registry import DynamoDbFactorRegistry

    if not config.registry_table:
        log_configuration_error(credentials.ConfigurationError("REGISTRY_TABLE is not set: the factor registry is off"))
        return None
    return DynamoDbFactorRegistry(aws_client("dynamodb"), config.registry_table)


def inactivity_rule(config: Settings) -> InactivityRule:
    from factor_cleanup.domain.inactivity import InactivityRule

    return InactivityRule(config.inactive_days, config.unanswered_challenges)


def cleanup_service(config: Settings) -> CleanupService:
    from factor_cleanup.domain.error_codes import ErrorCodePolicy
    from factor_cleanup.services.cleanup import CleanupService

    factor_registry = registry(config)
    return CleanupService(
        ledger=ledger(config),
        verify=LazyVerifyApi(config),
        clock=SystemClock(),
        policy=ErrorCodePolicy(config.error_code_overrides),
        managed_services=config.verify_service_sids,
        mode=config.cleanup_mode,
        registry=factor_registry,
        inactivity=inactivity_rule(config),
        breaker=circuit_breaker(config, factor_registry),
    )


def circuit_breaker(config: Settings, factor_registry: Any = None) -> Any:
    """The per-service deletion limit; without SAFETY_TABLE there is none (the template always sets it).
    The registry's per-service factor counts give its proportional part; without a registry, the floor alone."""
    from factor_cleanup.adapters.aws.breaker_store import DynamoDbBreakerStore
    from factor_cleanup.domain.breaker import CircuitBreaker

    if not config.safety_table:
        return None
    store = DynamoDbBreakerStore(aws_client("dynamodb"), config.safety_table)
    return CircuitBreaker(store, config.max_deletions_per_hour, config.config_error_trip_count,
                          config.max_deletions_percent_per_hour, factor_registry)  # fmt: skip


def sweeper(config: Settings) -> Any:
    from factor_cleanup.services.sweeper import Sweeper

    factor_registry = registry(config)
    if factor_registry is None:
        raise credentials.ConfigurationError("REGISTRY_TABLE is required by the sweeper")
    return Sweeper(factor_registry, SqsWorkQueue(aws_client("sqs"), config.queue_url), SystemClock(),
                   config.verify_service_sids, inactivity_rule(config), config.sweep_page_size)  # fmt: skip


def worker(config: Settings) -> Any:
    """The work queue's consumer: push failures and candidates to the decision, Verify events to the registry."""
    from factor_cleanup.runtime.deadline import RecordBudget
    from factor_cleanup.runtime.worker import decision_routes
    from factor_cleanup.services.tracker import FactorTracker

    cleanup = cleanup_service(config)
    tracker = FactorTracker(cleanup.registry, SystemClock()) if cleanup.registry else None
    budget = RecordBudget(config.verify_timeout_seconds, config.verify_max_in_flight)
    return _queue_consumer(config, decision_routes(cleanup, tracker), config.queue_url, budget)


def activity_worker(config: Settings) -> Any:
    """The activity queue's consumer: it can only move a factor's last_seen forward."""
    from factor_cleanup.runtime.worker import activity_routes
    from factor_cleanup.services.tracker import FactorTracker

    factor_registry = registry(config)
    if factor_registry is None:
        raise credentials.ConfigurationError("REGISTRY_TABLE is required by the activity worker")
    if not config.activity_queue_url:
        raise credentials.ConfigurationError("ACTIVITY_QUEUE_URL is required by the activity worker")
    return _queue_consumer(config, activity_routes(FactorTracker(factor_registry, SystemClock())), config.activity_queue_url)


def _queue_consumer(config: Settings, routes: Any, queue_url: str, budget: Any = None) -> Any:
    """A queue's worker; `budget` paces records that call Verify (the activity queue's never do)."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from factor_cleanup.runtime.worker import Worker

    if not config.idempotency_table:
        raise credentials.ConfigurationError("IDEMPOTENCY_TABLE is required by the worker")
    persistence = DynamoDBPersistenceLayer(table_name=config.idempotency_table, boto3_client=aws_client("dynamodb"))
    return Worker(
        routes=routes,
        persistence=persistence,
        delay_retry=SqsWorkQueue(aws_client("sqs"), queue_url).delay_retry,
        idempotency_window_seconds=config.idempotency_window_seconds,
        record_concurrency=config.worker_record_concurrency,
        budget=budget,
    )


def queue_stats(config: Settings) -> Any:
    """The dead-letter queue's depth for reports, or None when DEAD_LETTER_QUEUE_URL is unset (shown as unknown)."""
    from factor_cleanup.adapters.aws.report_stores import SqsQueueStats

    return SqsQueueStats(aws_client("sqs"), config.dead_letter_queue_url) if config.dead_letter_queue_url else None


def daily_report(config: Settings) -> Any:
    from factor_cleanup.adapters.aws.report_stores import S3ReportStore, SnsNotifier
    from factor_cleanup.services.daily_report import DailyReport

    if not config.report_bucket:
        raise credentials.ConfigurationError("REPORT_BUCKET is required by the daily report")
    notifier = SnsNotifier(aws_client("sns"), config.report_topic_arn) if config.report_topic_arn else None
    store = S3ReportStore(aws_client("s3"), config.report_bucket)
    return DailyReport(ledger(config), store, SystemClock(), queue_stats(config), notifier)


def log_configuration_error(exc: Exception) -> None:
    import structlog

    structlog.get_logger(__name__).error("configuration_error", error=str(exc))
