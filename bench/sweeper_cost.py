"""Item 4: sweeper cost as registry items read per candidate, for two registry sizes with the same 100 stale factors.

The sweeper is `bootstrap.build_app().sweeper` configured from infra/template.yaml's SweeperFunction environment, on
in-process moto. The registry is filled with items shaped exactly as `DynamoDbFactorRegistry.record_factor`
writes them (one is written that way and cloned). `items_read` is the registry's own counter of index
items DynamoDB reports read (ScannedCount), which is what a query's read units are charged on.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import ACCOUNT_SID, SERVICE_SID, TEMPLATE, Result, offline_environment, quiet_logs

TITLE = "Sweeper cost (100 stale factors)"
STALE = 100


def _available() -> str | None:
    try:
        from factor_cleanup.adapters.aws import registry
        from factor_cleanup.runtime import bootstrap
    except ImportError as exc:
        return f"cannot import the registry ({exc})"
    missing = [name for name in ("sweeper", "registry") if not hasattr(bootstrap.App, name)]
    if missing or not hasattr(registry, "DynamoDbFactorRegistry"):
        return f"the app has no {', '.join(missing) or 'registry adapter'}"
    return None


def _fill(client: Any, table: str, registry: Any, size: int, now: datetime) -> None:
    """`size` verified factors of SERVICE_SID: STALE of them last seen 60 days ago, the rest yesterday."""
    from factor_cleanup.adapters.aws.registry import entity_key, sweep_shard
    from factor_cleanup.domain.decision_record import iso_utc
    from factor_cleanup.domain.factors import FactorRecord

    old, recent = iso_utc(now - timedelta(days=60)), iso_utc(now - timedelta(days=1))
    registry.record_factor(
        FactorRecord(
            factor_sid="YF" + "f" * 32,
            service_sid=SERVICE_SID,
            identity="model",
            factor_type="push",
            platform="fcm",
            status="verified",
            created_at=old,
            verified_at=old,
            last_seen=old,
            last_seen_via="challenge",
        )
    )
    model = client.get_item(TableName=table, Key={"factor_sid": {"S": "YF" + "f" * 32}})["Item"]
    client.delete_item(TableName=table, Key={"factor_sid": {"S": "YF" + "f" * 32}})
    stride = size // STALE
    for start in range(0, size, 25):
        puts = []
        for i in range(start, min(start + 25, size)):
            sid, identity = f"YF{i:032x}", f"user-{i:06d}"
            item = dict(
                model,
                factor_sid={"S": sid},
                identity={"S": identity},
                last_seen={"S": old if i % stride == 0 else recent},
            )
            if "sweep_shard" in model:
                item["sweep_shard"] = {"S": sweep_shard(SERVICE_SID, sid)}
            if "entity_key" in model:
                item["entity_key"] = {"S": entity_key(SERVICE_SID, identity)}
            puts.append({"PutRequest": {"Item": item}})
        client.batch_write_item(RequestItems={table: puts})


def sweep_once(size: int) -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    from factor_cleanup.local.template import create_local_resources, function_environment
    from factor_cleanup.runtime import bootstrap

    with offline_environment(), quiet_logs(), mock_aws():
        resources = create_local_resources(TEMPLATE, boto3.client("sqs"), boto3.client("dynamodb"))
        parameters = {"TwilioAccountSid": ACCOUNT_SID, "VerifyServiceSids": SERVICE_SID}
        os.environ.update(function_environment(TEMPLATE, "SweeperFunction", resources, parameters))
        app = bootstrap.build_app()
        sweeper, client = app.sweeper, app.aws("dynamodb")
        loaded = time.perf_counter()
        _fill(client, os.environ["REGISTRY_TABLE"], sweeper.registry, size, datetime.now(UTC))
        loaded = time.perf_counter() - loaded
        queries = []
        client.meta.events.register("provide-client-params.dynamodb.Query", lambda params, **_: queries.append(1))
        before = sweeper.registry.items_read
        started = time.perf_counter()
        report = sweeper.sweep()
        elapsed = time.perf_counter() - started
        read = sweeper.registry.items_read - before
    return {
        "size": size,
        "candidates": report.candidates_read,
        "enqueued": report.enqueued,
        "items_read": read,
        "queries": len(queries),
        "seconds": elapsed,
        "load_seconds": loaded,
    }


def run(quick: bool = False) -> Result:
    reason = _available()
    if reason:
        from bench.common import unavailable

        return unavailable("sweeper", TITLE, reason)
    small, large = (1_000, 10_000) if quick else (10_000, 100_000)
    runs = [sweep_once(small), sweep_once(large)]
    per = [r["items_read"] / max(1, r["candidates"]) for r in runs]
    result = Result("sweeper", TITLE, target="independent of registry size")
    result.figure = f"{per[1]:.2f} items read/candidate at {large:,}"
    result.floor = f"{per[0]:.2f} at {small:,}"
    result.ratio = f"{per[1] / per[0]:.2f}x" if per[0] else "-"
    result.met = all(r["candidates"] == STALE and r["enqueued"] == STALE for r in runs) and per[1] <= per[0] * 1.05
    result.data.update(runs=runs)
    for r, p in zip(runs, per, strict=True):
        result.say(
            f"registry of {r['size']:>7,} factors, {STALE} stale: {r['candidates']} candidates read, "
            f"{r['enqueued']} queued, {r['items_read']} index items read ({p:.2f} per candidate) in "
            f"{r['queries']} queries; sweep {r['seconds']:.2f} s on moto (loading took {r['load_seconds']:.0f} s)"
        )
    result.say("the sweep seconds are moto's: it scans a whole index per query, DynamoDB reads only the matching range")
    return result


if __name__ == "__main__":
    from bench.__main__ import main

    main(["--only", "sweeper"])
