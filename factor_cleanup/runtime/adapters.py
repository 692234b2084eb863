"""The outside world of the app: each adapter is the one given (a fake, a moto client) or, by default, the
production one built from Settings on first use (DynamoDB, SQS, S3, SNS, SSM, Twilio's Verify client).

Only this module and bootstrap.py know which adapter implements which port.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from factor_cleanup.domain.clock import SystemClock
from factor_cleanup.runtime import credentials
from factor_cleanup.runtime.credentials import ConfigurationError
from factor_cleanup.runtime.settings import Settings

if TYPE_CHECKING:
    from factor_cleanup.domain.breaker import BreakerStore
    from factor_cleanup.domain.ports import (
        Clock,
        FactorRegistry,
        Ledger,
        Notifier,
        QueueStats,
        ReportStore,
        VerifyApi,
        WorkQueue,
    )


T = TypeVar("T")


def boto3_client(service: str) -> Any:
    """A boto3 client with short timeouts: a webhook is answered within Twilio's 15 s, and a slow call is
    better retried. boto3 reads AWS_ENDPOINT_URL, which points it at moto locally."""
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})
    return boto3.client(service, config=config)


@dataclass(frozen=True)
class Adapters:
    """The outside world as given. A port left None is built from Settings on first use: its production adapter."""

    clock: Clock = field(default_factory=SystemClock)
    aws: Callable[[str], Any] = boto3_client
    verify: VerifyApi | None = None
    work_queue: WorkQueue | None = None
    activity_queue: WorkQueue | None = None
    ledger: Ledger | None = None
    registry: FactorRegistry | None = None
    breaker_store: BreakerStore | None = None
    report_store: ReportStore | None = None
    notifier: Notifier | None = None
    queue_stats: QueueStats | None = None


class Wiring:
    """Settings plus the adapters given; each port is read through a property that builds the default once."""

    def __init__(self, settings: Settings, adapters: Adapters | None = None) -> None:
        self.settings = settings
        self._given = adapters or Adapters()
        self.clock = self._given.clock
        self._clients: dict[str, Any] = {}

    def aws(self, service: str) -> Any:
        """One client per service; Lambda keeps the app, and with it the connections, between invocations."""
        if service not in self._clients:
            self._clients[service] = self._given.aws(service)
        return self._clients[service]

    @cached_property
    def verify(self) -> VerifyApi:
        """Twilio's REST client, built on the first Verify call (report-only runs never make one)."""
        if self._given.verify is not None:
            return self._given.verify
        from factor_cleanup.adapters.twilio.client import LazyVerifyApi

        config = self.settings
        return LazyVerifyApi(
            config.twilio_account_sid,
            lambda: credentials.rest_credentials(config, self._ssm),
            base_url=config.twilio_verify_base_url,
            timeout=config.verify_timeout_seconds,
            max_in_flight=config.verify_max_in_flight,
        )

    @cached_property
    def work_queue(self) -> WorkQueue:
        return self._given.work_queue or self._sqs_queue(self.settings.queue_url)

    @cached_property
    def activity_queue(self) -> WorkQueue:
        if self._given.activity_queue is not None:
            return self._given.activity_queue
        if not self.settings.activity_queue_url:
            raise ConfigurationError("ACTIVITY_QUEUE_URL is required: the activity queue (also by POST /app/activity)")
        return self._sqs_queue(self.settings.activity_queue_url)

    @cached_property
    def ledger(self) -> Ledger:
        if self._given.ledger is not None:
            return self._given.ledger
        from factor_cleanup.adapters.aws.ledger import DynamoDbLedger

        config = self.settings
        if not config.ledger_table:
            raise ConfigurationError("LEDGER_TABLE is required")
        return DynamoDbLedger(self.aws("dynamodb"), config.ledger_table, config.ledger_retention_days)

    @cached_property
    def registry(self) -> FactorRegistry | None:
        """The factor registry, or None when REGISTRY_TABLE is unset: then no identity resolution and no liveness
        check, so report-only mode only (delete mode refuses to start: settings.DELETE_NEEDS_REGISTRY)."""
        if self._given.registry is not None:
            return self._given.registry
        if not self.settings.registry_table:
            log_configuration_error(ConfigurationError("REGISTRY_TABLE is not set: the factor registry is off"))
            return None
        from factor_cleanup.adapters.aws.registry import DynamoDbFactorRegistry

        return DynamoDbFactorRegistry(self.aws("dynamodb"), self.settings.registry_table)

    @cached_property
    def breaker_store(self) -> BreakerStore | None:
        from factor_cleanup.adapters.aws.breaker_store import DynamoDbBreakerStore

        return self._optional(
            self._given.breaker_store,
            self.settings.safety_table,
            lambda table: DynamoDbBreakerStore(self.aws("dynamodb"), table),
        )

    @cached_property
    def queue_stats(self) -> QueueStats | None:
        """The dead-letter queue's depth for reports; None (shown as unknown) when DEAD_LETTER_QUEUE_URL is unset."""
        from factor_cleanup.adapters.aws.report_stores import SqsQueueStats

        return self._optional(
            self._given.queue_stats,
            self.settings.dead_letter_queue_url,
            lambda url: SqsQueueStats(self.aws("sqs"), url),
        )

    @cached_property
    def report_store(self) -> ReportStore:
        if self._given.report_store is not None:
            return self._given.report_store
        from factor_cleanup.adapters.aws.report_stores import S3ReportStore

        if not self.settings.report_bucket:
            raise ConfigurationError("REPORT_BUCKET is required by the daily report")
        return S3ReportStore(self.aws("s3"), self.settings.report_bucket)

    @cached_property
    def notifier(self) -> Notifier | None:
        from factor_cleanup.adapters.aws.report_stores import SnsNotifier

        return self._optional(
            self._given.notifier, self.settings.report_topic_arn, lambda topic: SnsNotifier(self.aws("sns"), topic)
        )

    @staticmethod
    def _optional(given: T | None, setting: str, build: Callable[[str], T]) -> T | None:
        """An optional port: the adapter given; else the production one when its setting is set; else None."""
        if given is not None or not setting:
            return given
        return build(setting)

    def _ssm(self) -> Any:
        return self.aws("ssm")

    def _sqs_queue(self, url: str) -> WorkQueue:
        from factor_cleanup.adapters.aws.sqs_queue import SqsWorkQueue

        return SqsWorkQueue(self.aws("sqs"), url)


def log_configuration_error(exc: Exception) -> None:
    import structlog

    structlog.get_logger(__name__).error("configuration_error", error=str(exc))
