"""The circuit breaker's counts and state in DynamoDB (the BreakerStore port of domain/breaker.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from factor_cleanup.domain.breaker import BreakerState


class DynamoDbBreakerStore:
    """Items keyed (service_sid, slot): `deletions#<minute>`, `config_errors#<minute>` and `state`."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, service_sid: str, counter: str, minute: str, amount: int) -> None:
        slot_start = datetime.strptime(minute, "%Y-%m-%dT%H:%M").replace(tzinfo=UTC)
        expires = int(slot_start.timestamp()) + 2 * 3600  # TTL: counts matter for an hour
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": {"service_sid": {"S": service_sid}, "slot": {"S": f"{counter}#{minute}"}},
            "UpdateExpression": "ADD #count :amount SET expires_at = :expires",
            "ExpressionAttributeNames": {"#count": "count"},
            "ExpressionAttributeValues": {":amount": {"N": str(amount)}, ":expires": {"N": str(expires)}},
        }
        if amount < 0:  # a place given back: never below zero (a reset may have cleared the slot meanwhile)
            request["ConditionExpression"] = "#count >= :needed"
            request["ExpressionAttributeValues"][":needed"] = {"N": str(-amount)}
        try:
            self._client.update_item(**request)
        except self._client.exceptions.ConditionalCheckFailedException:
            return

    def total_since(self, service_sid: str, counter: str, first_minute: str) -> int:
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            ConsistentRead=True,
            KeyConditionExpression="service_sid = :service AND slot BETWEEN :first AND :last",
            ExpressionAttributeValues={
                ":service": {"S": service_sid},
                ":first": {"S": f"{counter}#{first_minute}"},
                ":last": {"S": f"{counter}#~"},
            },
        )
        return sum(int(item["count"]["N"]) for page in pages for item in page.get("Items", []))

    def open_state(self, service_sid: str) -> BreakerState | None:
        item = self._client.get_item(TableName=self._table, Key=self._state_key(service_sid), ConsistentRead=True).get(
            "Item"
        )
        return BreakerState(service_sid, item["tripped_at"]["S"], item["reason"]["S"]) if item else None

    def trip(self, state: BreakerState) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    **self._state_key(state.service_sid),
                    "tripped_at": {"S": state.tripped_at},
                    "reason": {"S": state.reason},
                },
                ConditionExpression="attribute_not_exists(service_sid)",
            )
            return True
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise

    def reset(self, service_sid: str) -> BreakerState | None:
        state = self.open_state(service_sid)
        self._client.delete_item(TableName=self._table, Key=self._state_key(service_sid))
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="service_sid = :service",
            ExpressionAttributeValues={":service": {"S": service_sid}},
        )
        for page in pages:
            for item in page.get("Items", []):
                self._client.delete_item(
                    TableName=self._table, Key={"service_sid": item["service_sid"], "slot": item["slot"]}
                )
        return state

    @staticmethod
    def _state_key(service_sid: str) -> dict:
        return {"service_sid": {"S": service_sid}, "slot": {"S": "state"}}
