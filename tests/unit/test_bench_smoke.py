"""`make bench` smoke run in process: the ingest and cost benchmarks produce figures. Structure only, never timing."""

from __future__ import annotations

import os

from bench import cost_estimate, ingest_cost
from bench.__main__ import BENCHMARKS, table


def test_ingest_and_cost_benchmarks_produce_figures():
    before = dict(os.environ)
    ingest = ingest_cost.run(quick=True)
    assert os.environ == before  # the benchmark puts the environment back
    assert ingest.figure.endswith("µs/event") and ingest.ratio.endswith("x")
    assert ingest.data["core_us"] > 0 and ingest.data["floor_us"] > 0 and ingest.met in (True, False)
    assert ingest.data["message_bytes"] > 0  # the queue message body was really built

    cost = cost_estimate.run(quick=True, earlier={"ingest": ingest})
    names = [name for name, _, _ in cost.data["lines"]]
    assert names[0] == "API Gateway HTTP API" and "DynamoDB writes" in names
    assert cost.data["total"] == sum(amount for _, _, amount in cost.data["lines"]) > 0
    assert "ingest CPU ASSUMED" not in cost.details[0]  # priced from the figure just measured

    rendered = table([ingest, cost]).splitlines()
    assert rendered[0].startswith("| Benchmark") and len(rendered) == 4
    assert set(BENCHMARKS) >= {
        "ingest",
        "event-streams",
        "cold-start",
        "worker",
        "sweeper",
        "report",
        "package",
        "cost",
    }
