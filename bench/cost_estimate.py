"""Item 6b: AWS cost per million Debugger events, from this run's measurements, the template and public prices.

Every line prints its formula and inputs. Upper bound: every event is a Verify Push failure that is queued,
decided and deleted (an ignored event costs only the API Gateway request and the ingest invocation).
Local CPU time is not Lambda time: CPU-bound work is scaled by 1,769 MB / MemorySize (Lambda gives one
vCPU at 1,769 MB), and I/O the benchmarks leave out (the SQS send) is an assumption, labelled as one.
"""

from __future__ import annotations

import math
from typing import Any

from bench.common import TEMPLATE, Result

TITLE = "AWS cost per 1M Debugger events"
PRICES_AS_OF = (
    "2025 public list prices, us-east-1 (DynamoDB on-demand after the 2024-11-01 cut); not fetched at run time"
)
HTTP_API_PER_M = 1.00  # first 300M requests a month
LAMBDA_PER_M = 0.20
LAMBDA_ARM_GB_S = 0.0000133334
SQS_PER_M = 0.40  # standard queue, each 64 KB chunk of a request counts once
DDB_WRU_PER_M, DDB_RRU_PER_M = 0.625, 0.125
VCPU_MB = 1769
SQS_SEND_MS = 10.0  # ASSUMED in-region SendMessage latency: the ingest benchmark excludes queue I/O
# Assumed when this run did not measure them (e.g. `--only cost`): figures of earlier runs on a 2-core EPYC.
FALLBACK = {
    "ingest_us": 110.0,
    "batch_ms": 190.0,
    "cpu_ms_per_event": 2.7,
    "calls": {
        "GetItem FactorRegistryTable": 1,
        "PutItem IdempotencyTable": 1,
        "PutItem LedgerTable": 1,
        "UpdateItem FactorRegistryTable": 1,
        "UpdateItem IdempotencyTable": 1,
    },
}
WRITES, READS = {"PutItem", "UpdateItem", "DeleteItem"}, {"GetItem"}


def template_facts() -> dict[str, Any]:
    """Memory of each function, the worker's batch size, and how many GSIs each table has."""
    from factor_cleanup.local.template import load_template

    template = load_template(TEMPLATE)
    resources = template["Resources"]
    default_mb = template.get("Globals", {}).get("Function", {}).get("MemorySize", 128)
    memory = {
        name: int(r["Properties"].get("MemorySize", default_mb))
        for name, r in resources.items()
        if r.get("Type") == "AWS::Serverless::Function"
    }
    batch = int(resources["WorkerFunctionWork"]["Properties"]["BatchSize"])  # the worker's SQS trigger
    gsis = {
        name: len(r["Properties"].get("GlobalSecondaryIndexes", []))
        for name, r in resources.items()
        if r.get("Type") == "AWS::DynamoDB::Table"
    }
    return {"memory": memory, "batch": batch, "gsis": gsis}


def _table_of(call: str, gsis: dict[str, int]) -> str:
    where = call.split(" ", 1)[1] if " " in call else ""
    return next((name for name in gsis if where.endswith(name)), where)


def run(quick: bool = False, earlier: dict[str, Result] | None = None) -> Result:
    earlier = earlier or {}
    facts = template_facts()
    ingest = earlier.get("ingest")
    worker = earlier.get("worker")
    measured = []
    ingest_us = ingest.data.get("with_log_us") if ingest and ingest.data.get("with_log_us") else None
    measured.append("ingest CPU" if ingest_us else "ingest CPU ASSUMED")
    ingest_us = ingest_us or FALLBACK["ingest_us"]
    drained = (worker.data.get("latency") if worker else None) or {}
    batch_ms = drained.get("batch_ms") or FALLBACK["batch_ms"]
    cpu_ms = drained.get("cpu_ms_per_event") or FALLBACK["cpu_ms_per_event"]
    calls = (worker.data.get("moto") or {}).get("calls") if worker else None
    measured.append("worker batch time and DynamoDB calls" if drained and calls else "worker figures ASSUMED")
    calls = calls or FALLBACK["calls"]

    mem_in, mem_w, batch = (
        facts["memory"].get("IngestFunction", 512),
        facts["memory"].get("WorkerFunction", 512),
        facts["batch"],
    )
    lines: list[tuple[str, str, float]] = []
    lines.append(("API Gateway HTTP API", f"1M requests x ${HTTP_API_PER_M:.2f}/M", HTTP_API_PER_M))
    ingest_ms = math.ceil(ingest_us / 1000 * VCPU_MB / mem_in + SQS_SEND_MS)
    lines.append(("Lambda ingest requests", f"1M x ${LAMBDA_PER_M:.2f}/M", LAMBDA_PER_M))
    lines.append(
        (
            "Lambda ingest duration",
            f"1M x ceil({ingest_us:.0f} µs x {VCPU_MB}/{mem_in} + {SQS_SEND_MS:.0f} ms SQS send)"
            f" = {ingest_ms} ms x {mem_in / 1024:g} GB x ${LAMBDA_ARM_GB_S:.10f}/GB-s",
            1e6 * ingest_ms / 1000 * mem_in / 1024 * LAMBDA_ARM_GB_S,
        )
    )
    invocations = 1e6 / batch
    worker_ms = math.ceil(max(batch_ms, cpu_ms * batch * VCPU_MB / mem_w))
    lines.append(
        (
            "Lambda worker requests",
            f"1M / {batch} (BatchSize) = {invocations:,.0f} x ${LAMBDA_PER_M:.2f}/M",
            invocations / 1e6 * LAMBDA_PER_M,
        )
    )
    lines.append(
        (
            "Lambda worker duration",
            f"{invocations:,.0f} x max({batch_ms:.0f} ms batch, {cpu_ms:.1f} ms CPU x {batch}"
            f" x {VCPU_MB}/{mem_w}) = {worker_ms} ms x {mem_w / 1024:g} GB x ${LAMBDA_ARM_GB_S:.10f}/GB-s",
            invocations * worker_ms / 1000 * mem_w / 1024 * LAMBDA_ARM_GB_S,
        )
    )
    sqs_requests = 1 + 2 / 10  # send one by one; receive and delete in tens
    lines.append(
        (
            "SQS",
            f"{sqs_requests:.1f} requests/event (send 1, receive 0.1, delete batch 0.1) x ${SQS_PER_M:.2f}/M",
            sqs_requests * SQS_PER_M,
        )
    )
    wru = sum(
        n * (1 + facts["gsis"].get(_table_of(c, facts["gsis"]), 0)) for c, n in calls.items() if c.split()[0] in WRITES
    )
    rru = sum(n for c, n in calls.items() if c.split()[0] in READS)  # strongly consistent, < 4 KB: 1 RRU
    listed = ", ".join(f"{c} {n:g}" for c, n in calls.items())
    lines.append(
        (
            "DynamoDB writes",
            f"{wru:g} WRU/event (items < 1 KB, every GSI of the table counted) x ${DDB_WRU_PER_M}/M",
            wru * DDB_WRU_PER_M,
        )
    )
    lines.append(("DynamoDB reads", f"{rru:g} RRU/event x ${DDB_RRU_PER_M}/M", rru * DDB_RRU_PER_M))
    total = sum(cost for _, _, cost in lines)

    result = Result(
        "cost", TITLE, figure=f"${total:.2f} per 1M events", floor=f"DynamoDB ${lines[-2][2] + lines[-1][2]:.2f} of it"
    )
    result.data.update(total=total, lines=lines, ingest_ms=ingest_ms, worker_ms=worker_ms, wru=wru, rru=rru)
    result.say(f"prices: {PRICES_AS_OF}; inputs from this run: {', '.join(measured)}")
    result.say(
        f"template: MemorySize ingest {mem_in} MB, worker {mem_w} MB, arm64; BatchSize {batch}; "
        f"DynamoDB calls per event: {listed}"
    )
    for name, formula, cost in lines:
        result.say(f"  {name:24s} ${cost:7.3f}   {formula}")
    result.say(f"  {'total':24s} ${total:7.3f}   per million events, upper bound (every event deleted)")
    result.say(
        "not included: free tiers, CloudWatch Logs ($0.50/GB ingested), X-Ray traces (Tracing: Active), "
        "DynamoDB storage and PITR, SQS idle long polls (fixed per month), the sweeper and report functions"
    )
    return result


if __name__ == "__main__":
    from bench.__main__ import main

    main(["--only", "cost"])
