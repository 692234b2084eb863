"""moto-backed AWS for tests: the queues and tables come from infra/template.yaml, like `make run`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from factor_cleanup.local.template import create_local_resources

TEMPLATE = Path(__file__).resolve().parents[1] / "infra" / "template.yaml"


@dataclass
class LocalAws:
    sqs: Any
    dynamodb: Any
    resources: dict[str, dict]

    @property
    def queue_url(self) -> str:
        return self.resources["WorkQueue"]["url"]

    @property
    def dlq_url(self) -> str:
        return self.resources["DeadLetterQueue"]["url"]

    @property
    def ledger_table(self) -> str:
        return self.resources["LedgerTable"]["name"]

    @property
    def idempotency_table(self) -> str:
        return self.resources["IdempotencyTable"]["name"]

    @property
    def registry_table(self) -> str:
        return self.resources["FactorRegistryTable"]["name"]

    def queue_depth(self, url: str) -> int:
        attrs = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])

    def client(self, service: str) -> Any:
        """The app's AWS client factory on this moto (bootstrap's `aws=`): the same clients the test reads."""
        return {"sqs": self.sqs, "dynamodb": self.dynamodb}.get(service) or boto3.client(service)

    def env(self) -> dict[str, str]:
        return {
            "QUEUE_URL": self.queue_url,
            "LEDGER_TABLE": self.ledger_table,
            "IDEMPOTENCY_TABLE": self.idempotency_table,
            "REGISTRY_TABLE": self.registry_table,
        }


def local_aws() -> LocalAws:
    """Create the template's queues and tables in whatever moto is active (decorator or server)."""
    sqs, dynamodb = boto3.client("sqs"), boto3.client("dynamodb")
    return LocalAws(sqs, dynamodb, create_local_resources(TEMPLATE, sqs, dynamodb))
