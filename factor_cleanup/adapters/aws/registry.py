"""The factor registry in DynamoDB: one item per factor, written only by conditional, forward-only updates.

Two sparse indexes keep reads proportional to what is asked for:
- `sweep`: partition `sweep_shard` (`<service>#<0..3>`), sort `last_seen`. The attribute exists only
  on verified, not deleted iOS push factors (platform `apn`, or not yet known), so `last_seen < cutoff`
  reads exactly the sweeper's candidates.
  Four shards per service spread the index writes every challenge answer causes.
- `by_entity`: partition `entity_key` (`<service>/<identity>`), removed on deletion, for activity
  reports that name an identity instead of a factor.

Verified push factors are counted per service for the circuit breaker's allowance, never scanned: one
counter item per service (key `count#<service>`, attribute `verified_push`) moved by atomic ADDs. A factor
holds `counted_in` (its service) while it is counted, and each transition is one transaction: the factor's
conditional update plus the counter's ADD. Counting requires a verified, live push factor not yet counted;
uncounting requires `counted_in`: a replayed factor.verified or deletion fails its condition and adds nothing.
"""

from __future__ import annotations

import hashlib
import heapq
import random
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import structlog

from factor_cleanup.adapters.aws.update_expression import UpdateExpression
from factor_cleanup.domain.decision_record import iso_utc
from factor_cleanup.domain.factors import DeletedBy, FactorRecord

_FORWARD = "attribute_not_exists(#last_seen) OR #last_seen < :last_seen"  # last_seen never moves back
_INTENT_FREE = "attribute_not_exists(#delete_intent_event) OR #delete_intent_event = :delete_intent_event"
SWEEP_INDEX = "sweep"
ENTITY_INDEX = "by_entity"
SWEEP_SHARDS = 4  # changing it needs every verified item rewritten: the sweeper only queries these shards
COUNTER_PREFIX = "count#"  # never a factor SID (YF…), so no factor's item
TRANSACTION_TRIES = 5  # a service's counter is shared: concurrent transitions may conflict and are tried again
_COUNTABLE = (
    "attribute_not_exists(counted_in) AND attribute_not_exists(deleted_at) AND #status = :verified"
    " AND factor_type = :push AND service_sid = :service"
)

log = structlog.get_logger(__name__)
_TEXT_FIELDS = (
    "service_sid",
    "identity",
    "factor_type",
    "platform",
    "status",
    "created_at",
    "verified_at",
    "last_seen",
    "last_seen_via",
    "deleted_at",
    "deleted_by",
    "deleted_event",
    "delete_intent_event",
)


def sweep_shard(service_sid: str, factor_sid: str) -> str:
    """The factor's partition in the sweep index: stable, and spread evenly over SWEEP_SHARDS."""
    return f"{service_sid}#{int(hashlib.sha256(factor_sid.encode()).hexdigest()[:8], 16) % SWEEP_SHARDS}"


def entity_key(service_sid: str, identity: str) -> str:
    return f"{service_sid}/{identity}"


class DynamoDbFactorRegistry:
    """Implements the FactorRegistry port. `items_read` counts index items read, to show sweeps stay cheap."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self.items_read = 0

    def get(self, factor_sid: str) -> FactorRecord | None:
        item = self._client.get_item(TableName=self._table, Key=_key(factor_sid), ConsistentRead=True).get("Item")
        return _record(item) if item else None

    def verified_push_count(self, service_sid: str) -> int:
        """The service's counter: one small read, whatever the size of the registry."""
        item = self._client.get_item(TableName=self._table, Key=_key(COUNTER_PREFIX + service_sid)).get("Item")
        return int(item["verified_push"]["N"]) if item else 0

    def record_factor(self, factor: FactorRecord) -> None:
        update = UpdateExpression()
        for name in ("service_sid", "identity", "factor_type", "platform"):
            update.set(name, getattr(factor, name))
        update.set_once("created_at", factor.created_at)
        if factor.service_sid and factor.identity:
            update.set("entity_key", entity_key(factor.service_sid, factor.identity))
        if factor.status == "verified" and factor.service_sid and factor.factor_type == "push":
            update.set("status", "verified")
            update.set_once("verified_at", factor.verified_at or factor.last_seen or factor.created_at)
            if factor.platform in (None, "apn"):  # iOS push factors alone are swept (inactivity is iOS's evidence)
                update.set("sweep_shard", sweep_shard(factor.service_sid, factor.factor_sid))
            else:
                update.remove("sweep_shard")
        elif factor.status == "verified":
            update.set("status", "verified")
            update.set_once("verified_at", factor.verified_at or factor.last_seen or factor.created_at)
        else:
            update.set_once("status", factor.status)
        seen = update.copy()
        if factor.last_seen:  # one write when last_seen moves forward (new factors), two otherwise
            seen.set("last_seen", factor.last_seen)
            seen.set("last_seen_via", factor.last_seen_via or "registry")
        moved = bool(factor.last_seen) and self._update(
            factor.factor_sid, seen, f"attribute_not_exists(deleted_at) AND ({_FORWARD})"
        )
        if not moved and update:
            self._update(factor.factor_sid, update, "attribute_not_exists(deleted_at)")
        if factor.status == "verified" and factor.service_sid and factor.factor_type == "push":
            self._count(factor.factor_sid, factor.service_sid)

    def mark_seen(self, factor_sid: str, at: datetime, via: str) -> bool:
        update = UpdateExpression()
        update.set("last_seen", iso_utc(at))
        update.set("last_seen_via", via)
        return self._update(factor_sid, update, _FORWARD)

    def mark_deleted(
        self, factor_sid: str, at: datetime, by: DeletedBy, confirmed: bool = False, event_id: str | None = None
    ) -> None:
        update = UpdateExpression()
        update.set_once("deleted_at", iso_utc(at))
        if by == "push-janitor":
            update.set("deleted_by", by)  # our 204 proves it, even if factor.deleted arrived first
            if event_id:
                update.set_once("deleted_event", event_id)
        else:
            update.set_once("deleted_by", by)
        if confirmed:
            update.set("deletion_confirmed", True)
        update.remove("sweep_shard", "entity_key")
        for _ in range(TRANSACTION_TRIES):  # exact even when a count races this deletion
            counted_in = self._counted_in(factor_sid)
            if counted_in is None and self._update(factor_sid, update, "attribute_not_exists(counted_in)"):
                return
            if counted_in is not None and self._uncount(factor_sid, update, counted_in):
                return
        self._update(factor_sid, update)  # deleted all the same; still counted, so a later deletion event uncounts it

    def mark_delete_intent(self, factor_sid: str, event_id: str, at: datetime, service_sid: str, identity: str) -> None:
        update = UpdateExpression()
        update.set("delete_intent_event", event_id)
        update.set("delete_intent_at", iso_utc(at))
        update.set_once("service_sid", service_sid)
        update.set_once("identity", identity)
        if not self._update(factor_sid, update, _INTENT_FREE):  # another event's intent is there: keep it
            contested = UpdateExpression()
            contested.set("delete_intent_contested", True)
            self._update(factor_sid, contested)

    def clear_delete_intent(self, factor_sid: str, event_id: str) -> None:
        update = UpdateExpression()
        mine = update.bind("delete_intent_event", event_id)
        update.remove("delete_intent_event", "delete_intent_at")
        self._update(factor_sid, update, f"#delete_intent_event = {mine}")  # another event's note stays

    def live_factors_of(self, service_sid: str, identity: str) -> list[str]:
        found = []
        for page in self._client.get_paginator("query").paginate(
            TableName=self._table,
            IndexName=ENTITY_INDEX,
            KeyConditionExpression="entity_key = :key",
            ExpressionAttributeValues={":key": _s(entity_key(service_sid, identity))},
        ):
            found += [
                item["factor_sid"]["S"] for item in page["Items"] if item.get("status", {}).get("S") == "verified"
            ]
        return sorted(found)

    def stale_factors(self, service_sid: str, seen_before: datetime, page_size: int) -> Iterator[FactorRecord]:
        """Each shard comes sorted by last_seen from the index; merged, the oldest come first overall."""
        shards = [
            self._stale_in_shard(f"{service_sid}#{shard}", iso_utc(seen_before), page_size)
            for shard in range(SWEEP_SHARDS)
        ]
        return heapq.merge(*shards, key=lambda record: record.last_seen or "")

    def _stale_in_shard(self, shard: str, before: str, page_size: int) -> Iterator[FactorRecord]:
        """One page at a time, so a run that stops early has read at most a page per shard it did not use."""
        start: dict[str, Any] | None = None
        while True:
            request = {
                "TableName": self._table,
                "IndexName": SWEEP_INDEX,
                "KeyConditionExpression": "sweep_shard = :shard AND last_seen < :before",
                "ExpressionAttributeValues": {":shard": _s(shard), ":before": _s(before)},
                "Limit": page_size,
            }
            page = self._client.query(**request, **({"ExclusiveStartKey": start} if start else {}))
            self.items_read += page.get("ScannedCount", len(page["Items"]))
            yield from (_record(item) for item in page["Items"])
            start = page.get("LastEvaluatedKey")
            if not start:
                return

    def _count(self, factor_sid: str, service_sid: str) -> None:
        """+1 on the service's counter, only in the transition to a counted verified push factor."""
        request = {
            "TableName": self._table,
            "Key": _key(factor_sid),
            "UpdateExpression": "SET counted_in = :service",
            "ConditionExpression": _COUNTABLE,
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":service": _s(service_sid),
                ":verified": _s("verified"),
                ":push": _s("push"),
            },
        }
        self._with_counter(request, service_sid, 1)

    def _uncount(self, factor_sid: str, deletion: UpdateExpression, service_sid: str) -> bool:
        """The deletion and -1 on the counter of the service the factor was counted in, together."""
        update = deletion.copy()
        update.remove("counted_in")
        request = {
            "TableName": self._table,
            "Key": _key(factor_sid),
            **update.request(),
            "ConditionExpression": "#counted_in = :counted_in",
        }
        request["ExpressionAttributeValues"] = {
            **request.get("ExpressionAttributeValues", {}),
            ":counted_in": _s(service_sid),
        }
        return self._with_counter(request, service_sid, -1)

    def _counted_in(self, factor_sid: str) -> str | None:
        item = self._client.get_item(
            TableName=self._table, Key=_key(factor_sid), ConsistentRead=True, ProjectionExpression="counted_in"
        ).get("Item")
        return item["counted_in"]["S"] if item and "counted_in" in item else None

    def _with_counter(self, factor_update: dict[str, Any], service_sid: str, delta: int) -> bool:
        """The factor's conditional update and the counter's ADD in one transaction. False when the factor's
        condition does not hold (nothing written), or when other transactions kept conflicting (logged)."""
        counter = {
            "TableName": self._table,
            "Key": _key(COUNTER_PREFIX + service_sid),
            "UpdateExpression": "ADD verified_push :delta",
            "ExpressionAttributeValues": {":delta": {"N": str(delta)}},
        }
        for attempt in range(TRANSACTION_TRIES):
            try:
                self._client.transact_write_items(TransactItems=[{"Update": factor_update}, {"Update": counter}])
                return True
            except self._client.exceptions.TransactionCanceledException as exc:
                reasons = [reason.get("Code") for reason in exc.response.get("CancellationReasons", [])]
                if "ConditionalCheckFailed" in reasons:
                    return False
            time.sleep(random.uniform(0, 0.05 * 2**attempt))
        log.warning("factor_count_not_moved", service_sid=service_sid, delta=delta, key=factor_update["Key"])
        return False

    def _update(self, factor_sid: str, update: UpdateExpression, condition: str | None = None) -> bool:
        """Apply the update; False (and nothing written) when the condition does not hold."""
        request = {"TableName": self._table, "Key": _key(factor_sid), **update.request()}
        if condition:
            request["ConditionExpression"] = condition
        try:
            self._client.update_item(**request)
            return True
        except self._client.exceptions.ConditionalCheckFailedException:
            return False


def _key(factor_sid: str) -> dict[str, Any]:
    return {"factor_sid": _s(factor_sid)}


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _record(item: dict[str, Any]) -> FactorRecord:
    fields = {name: item[name]["S"] for name in _TEXT_FIELDS if "S" in item.get(name, {})}
    flags = {name: item.get(name, {}).get("BOOL", False) for name in ("deletion_confirmed", "delete_intent_contested")}
    return FactorRecord(factor_sid=item["factor_sid"]["S"], **flags, **fields)
