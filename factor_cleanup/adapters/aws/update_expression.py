"""DynamoDB UpdateExpression builder for the registry's conditional, forward-only writes."""

from __future__ import annotations

from typing import Any


class UpdateExpression:
    """Builds an UpdateExpression; every attribute goes through a #name, so reserved words need no care."""

    def __init__(self) -> None:
        self._sets: list[str] = []
        self._removes: list[str] = []
        self._names: dict[str, str] = {}
        self._values: dict[str, Any] = {}

    def __bool__(self) -> bool:
        return bool(self._sets or self._removes)

    def copy(self) -> UpdateExpression:
        other = UpdateExpression()
        other._sets, other._removes = list(self._sets), list(self._removes)
        other._names, other._values = dict(self._names), dict(self._values)
        return other

    def set(self, name: str, value: str | bool | None) -> None:
        """Overwrite `name` (skipped when value is None)."""
        if value is not None:
            self._sets.append(f"#{name} = {self._value(name, value)}")

    def set_once(self, name: str, value: str | None) -> None:
        """Write `name` only if the item has none yet (skipped when value is None)."""
        if value is not None:
            self._sets.append(f"#{name} = if_not_exists(#{name}, {self._value(name, value)})")

    def bind(self, name: str, value: str) -> str:
        """The :placeholder of `value` for the write's condition; #name names the attribute there."""
        return self._value(name, value)

    def remove(self, *names: str) -> None:
        for name in names:
            self._names[f"#{name}"] = name
            self._removes.append(f"#{name}")

    def _value(self, name: str, value: str | bool) -> str:
        self._names[f"#{name}"] = name
        self._values[f":{name}"] = {"BOOL": value} if isinstance(value, bool) else {"S": value}
        return f":{name}"

    def request(self) -> dict[str, Any]:
        expression = " ".join(
            part
            for part in (
                "SET " + ", ".join(self._sets) if self._sets else "",
                "REMOVE " + ", ".join(self._removes) if self._removes else "",
            )
            if part
        )
        request: dict[str, Any] = {"UpdateExpression": expression, "ExpressionAttributeNames": self._names}
        if self._values:
            request["ExpressionAttributeValues"] = self._values
        return request
