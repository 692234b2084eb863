"""A DynamoDB stand-in that answers like a remote service: a fixed latency per call (GIL released), little CPU.

moto implements DynamoDB faithfully but spends 1-6 ms of Python CPU per call, which on a small machine caps
a drain benchmark before the worker does. This stand-in keeps items in memory by the template's key schema
and supports what the worker calls (conditional put, update with SET, get, delete, empty query/scan), so
the worker can be measured against in-region DynamoDB latency. Only for benchmarks.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from typing import Any

from botocore.exceptions import ClientError

from bench.common import TEMPLATE

_SET = re.compile(r"([#\w]+)\s*=\s*(:\w+)")
_ADD = re.compile(r"ADD\s+([#\w]+)\s+(:\w+)")
_KEY_CONDITION = re.compile(r"(\w+)\s*=\s*(:\w+)(?:\s+AND\s+(\w+)\s+BETWEEN\s+(:\w+)\s+AND\s+(:\w+))?")


def key_schemas() -> dict[str, list[str]]:
    """Table logical id -> key attribute names, from infra/template.yaml."""
    from factor_cleanup.local.template import load_template

    resources = load_template(TEMPLATE)["Resources"]
    return {
        name: [k["AttributeName"] for k in r["Properties"]["KeySchema"]]
        for name, r in resources.items()
        if r.get("Type") == "AWS::DynamoDB::Table"
    }


class LatencyDynamoDB:
    """Answers the boto3 DynamoDB client calls the worker makes, each after `latency_ms`."""

    def __init__(self, tables: dict[str, list[str]], latency_ms: float) -> None:
        self._keys = tables  # table name -> key attribute names
        self._latency = latency_ms / 1000
        self._items: dict[tuple[str, tuple], dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.calls: Counter[tuple[str, str]] = Counter()  # (operation, table) -> calls

    def _key(self, table: str, item: dict[str, Any]) -> tuple[str, tuple]:
        return table, tuple(str(item[name]) for name in self._keys[table])

    def _wait(self, operation: str, table: str) -> None:
        with self._lock:
            self.calls[(operation, table)] += 1
        time.sleep(self._latency)

    def put_item(
        self, TableName: str, Item: dict[str, Any], ConditionExpression: str | None = None, **_: Any
    ) -> dict[str, Any]:
        self._wait("PutItem", TableName)
        key = self._key(TableName, Item)
        with self._lock:
            if ConditionExpression and key in self._items:
                error = {
                    "Error": {"Code": "ConditionalCheckFailedException", "Message": "exists"},
                    "Item": self._items[key],
                }
                raise ClientError(error, "PutItem")
            self._items[key] = dict(Item)
        return {}

    def update_item(
        self,
        TableName: str,
        Key: dict[str, Any],
        UpdateExpression: str = "",
        ExpressionAttributeNames: dict[str, str] | None = None,
        ExpressionAttributeValues: dict[str, Any] | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        self._wait("UpdateItem", TableName)
        names, values = ExpressionAttributeNames or {}, ExpressionAttributeValues or {}
        with self._lock:
            item = self._items.setdefault(self._key(TableName, Key), dict(Key))
            for name, value in _ADD.findall(UpdateExpression):  # the circuit breaker's counters
                current = int(item.get(names.get(name, name), {"N": "0"})["N"])
                item[names.get(name, name)] = {"N": str(current + int(values[value]["N"]))}
            for name, value in _SET.findall(UpdateExpression.split("REMOVE")[0].split("ADD")[0]):
                item[names.get(name, name)] = values[value]
            for name, value in _SET.findall(UpdateExpression.split("SET", 1)[-1]) if "ADD" in UpdateExpression else []:
                item[names.get(name, name)] = values[value]
        return {}

    def get_item(self, TableName: str, Key: dict[str, Any], **_: Any) -> dict[str, Any]:
        self._wait("GetItem", TableName)
        with self._lock:
            item = self._items.get(self._key(TableName, Key))
        return {"Item": dict(item)} if item else {}

    def delete_item(self, TableName: str, Key: dict[str, Any], **_: Any) -> dict[str, Any]:
        self._wait("DeleteItem", TableName)
        with self._lock:
            self._items.pop(self._key(TableName, Key), None)
        return {}

    def query(
        self,
        TableName: str = "",
        KeyConditionExpression: str = "",
        ExpressionAttributeValues: dict[str, Any] | None = None,
        IndexName: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        """Key queries on a table's own keys (the breaker's sliding window); index queries answer empty."""
        self._wait("Query", TableName)
        match = _KEY_CONDITION.match(KeyConditionExpression or "")
        if IndexName or not match:
            return {"Items": [], "Count": 0}
        values = ExpressionAttributeValues or {}
        partition, value, sort, first, last = match.groups()
        with self._lock:
            items = [
                dict(i)
                for (table, _), i in self._items.items()
                if table == TableName
                and i.get(partition) == values[value]
                and (not sort or values[first]["S"] <= i[sort]["S"] <= values[last]["S"])
            ]
        return {"Items": items, "Count": len(items)}

    def get_paginator(self, operation: str) -> Any:
        stand_in = self

        class _OnePage:
            def paginate(self, **kwargs: Any) -> list[dict[str, Any]]:
                return [getattr(stand_in, operation)(**kwargs)]

        return _OnePage()

    def count(self, table: str) -> int:
        with self._lock:
            return sum(1 for name, _ in self._items if name == table)
