"""The DynamoDB ledger of decisions, one item per event, indexed by day for time-range reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from factor_cleanup.domain.decision_record import DecisionRecord, iso_utc

DAY_INDEX = "by_day"


class DynamoDbLedger:
    def __init__(self, client: Any, table_name: str, retention_days: int = 400) -> None:
        self._client = client
        self._table = table_name
        self._retention = timedelta(days=retention_days)

    def record(self, action: DecisionRecord) -> None:
        """Put the item keyed by event sid, so writing the same decision twice leaves one row."""
        at = datetime.strptime(action.at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        item = {name: {"S": str(value)} for name, value in action.model_dump(by_alias=True, exclude_none=True).items()}
        item["day"] = {"S": action.at[:10]}
        item["expires_at"] = {"N": str(int((at + self._retention).timestamp()))}
        self._client.put_item(TableName=self._table, Item=item)

    def get(self, event_id: str) -> DecisionRecord | None:
        item = self._client.get_item(TableName=self._table, Key={"event_sid": {"S": event_id}}).get("Item")
        return _action(item) if item else None

    def records_between(self, start: datetime, end: datetime) -> Iterator[DecisionRecord]:
        """Query the day index one day at a time, page by page: memory stays flat however long the period."""
        first, last = iso_utc(start), iso_utc(end)
        day = start.astimezone(UTC).date()
        while day.isoformat() <= last[:10]:
            yield from self._query_day(day.isoformat(), first, last)
            day += timedelta(days=1)

    def _query_day(self, day: str, first: str, last: str) -> Iterator[DecisionRecord]:
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            IndexName=DAY_INDEX,
            KeyConditionExpression="#day = :day AND #at BETWEEN :first AND :last",
            ExpressionAttributeNames={"#day": "day", "#at": "at"},
            ExpressionAttributeValues={":day": {"S": day}, ":first": {"S": first}, ":last": {"S": last}},
        )
        for page in pages:
            for item in page.get("Items", []):
                if item["at"]["S"] < last:
                    yield _action(item)


def _action(item: dict[str, Any]) -> DecisionRecord:
    return DecisionRecord.model_validate({k: v.get("S") for k, v in item.items() if "S" in v})
