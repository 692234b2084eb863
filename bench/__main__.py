"""Run the benchmarks and print each one's detail, then one table: `python -m bench [--only NAME] [--quick]`."""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from typing import Any

from bench.common import Result, machine

# name -> module; the cost estimate runs last because it prices the figures measured before it.
BENCHMARKS = {
    "ingest": "bench.ingest_cost",
    "event-streams": "bench.event_streams_intake",
    "cold-start": "bench.cold_start",
    "verify-client": "bench.verify_client_cost",
    "metrics": "bench.metrics_cost",
    "worker": "bench.worker_drain",
    "sweeper": "bench.sweeper_cost",
    "report": "bench.report_scale",
    "package": "bench.package_size",
    "cost": "bench.cost_estimate",
}


def run_one(name: str, quick: bool, earlier: dict[str, Result]) -> Result:
    module: Any = importlib.import_module(BENCHMARKS[name])
    started = time.perf_counter()
    try:
        result = module.run(quick, earlier) if name == "cost" else module.run(quick)
    except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the others' figures
        result = Result(name, getattr(module, "TITLE", name), figure=f"error: {exc.__class__.__name__}: {exc}"[:90])
        result.say(traceback.format_exc().rstrip())
    result.data["seconds"] = time.perf_counter() - started
    return result


def table(results: list[Result]) -> str:
    """A markdown table, readable in a terminal and pasteable into the README as it is."""
    header = ("Benchmark", "Measured", "Floor / reference", "Ratio", "Target", "Result")
    rows = [(r.title, r.figure, r.floor, r.ratio, r.target, r.verdict) for r in results]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="run just this one (repeatable)")
    parser.add_argument("--quick", action="store_true", help="fewer iterations and smaller sizes (smoke runs)")
    args = parser.parse_args(argv)
    names = [name for name in BENCHMARKS if not args.only or name in args.only]
    info = machine()
    print(
        f"push-janitor benchmarks{' (quick)' if args.quick else ''} on {info['cpus']} CPU(s), "
        f"{info['cpu_model']}, Python {info['python']}, {info['platform']}",
        flush=True,
    )
    results: dict[str, Result] = {}
    for name in names:
        print(f"\n## {name}", flush=True)
        result = run_one(name, args.quick, results)
        results[name] = result
        for detail in result.details:
            print(detail)
        print(f"({result.data['seconds']:.1f} s)", flush=True)
    print()
    print(table(list(results.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
