"""Issue 12: keep the EMF log processor, or emit the same metrics with Powertools Metrics?

Imports: fresh interpreters with `-X importtime` (median per module): the modules Powertools Metrics adds
to a cold ingest function, which imports no Powertools today, next to our metrics module alone.
Per event: one log call of each metric-bearing event through the configured structlog chain into
/dev/null, with metrics off (the floor), with our processor, and with metrics off plus Powertools emitting
the same metrics. Powertools holds one value per dimension name per Metrics object, and our dimension
values change from event to event (Outcome, ReasonCode, StatusClass), so the same metrics take one
`EphemeralMetrics` flush per directive per event; the batched figure is its best case, 100 `verify_call`s
of one operation added to one object, which flushes itself at EMF's cap of 100 values per metric.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from typing import Any

from bench.cold_start import VARIANTS, import_times
from bench.common import Result, best_per_call, quiet_logs

TITLE = "EMF metrics: our processor vs Powertools"
SERVICE_SID = "VA" + "5" * 32
EVENTS: dict[str, dict[str, Any]] = {  # the fields the code logs with each event
    "webhook_answered": {"route": "POST /twilio/debugger", "status": 200, "duration_ms": 4.2},
    "decision": {
        "event_sid": "NO" + "1" * 32,
        "factor_sid": "YF" + "2" * 32,
        "service_sid": SERVICE_SID,
        "outcome": "deleted",
        "reason_code": "uninstalled",
        "source": "debugger",
        "error_code": "52103",
    },
    "verify_call": {"operation": "delete_factor", "status": 204, "duration_ms": 48.0, "factor_sid": "YF" + "2" * 32},
}
BATCH = 100


def powertools_emit(name: str, event: dict[str, Any]) -> None:
    """What a migration would do where `name` is logged: one EphemeralMetrics flush per directive that emits."""
    from aws_lambda_powertools.metrics import EphemeralMetrics

    from factor_cleanup.runtime.metrics import DIRECTIVES, NAMESPACE

    for directive in (d for d in DIRECTIVES if d.event == name):
        values = {metric: metric.value(event) for metric in directive.metrics}
        shown = {metric: value for metric, value in values.items() if value is not None}
        if not shown:
            continue
        metrics = EphemeralMetrics(namespace=NAMESPACE)
        for dimension, dimension_value in directive.dimensions.items():
            metrics.add_dimension(dimension, dimension_value(event))
        for metric, value in shown.items():
            metrics.add_metric(metric.name, metric.unit, value)
        metrics.flush_metrics()


def emitted(record: dict[str, Any]) -> set[tuple[str, frozenset[str], str]]:
    """(metric, dimension names, values) an EMF record gives CloudWatch: the same for both emitters, or no race."""
    pairs = set()
    for directive in record.get("_aws", {}).get("CloudWatchMetrics", []):
        for names in directive["Dimensions"]:
            for metric in directive["Metrics"]:
                value = record[metric["Name"]]
                shown = json.dumps(
                    [
                        [float(v) for v in value] if isinstance(value, list) else [float(value)],
                        {n: record[n] for n in names},
                    ],
                    sort_keys=True,
                )
                pairs.add((metric["Name"], frozenset(names), shown))
    return pairs


def same_metrics(name: str) -> bool:
    """Do our processor and `powertools_emit` give CloudWatch the same metrics for this event?"""
    from factor_cleanup.runtime.metrics import emf_processor

    ours = emitted(emf_processor(None, "info", {"event": name, **EVENTS[name]}))
    lines = io_lines(lambda: powertools_emit(name, {"event": name, **EVENTS[name]}))
    return ours == set().union(*(emitted(json.loads(line)) for line in lines))


def added_bytes(name: str) -> tuple[int, int]:
    """Log bytes the metrics add to one event: (on its own line via the processor, in Powertools' extra lines)."""
    from factor_cleanup.runtime.metrics import emf_processor

    plain = {"event": name, **EVENTS[name]}
    ours = len(json.dumps(emf_processor(None, "info", dict(plain)))) - len(json.dumps(plain))
    return ours, sum(len(line) + 1 for line in io_lines(lambda: powertools_emit(name, dict(plain))))


def io_lines(action: Any) -> list[str]:
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        action()
    return out.getvalue().splitlines()


def run(quick: bool = False) -> Result:
    result = Result("metrics", TITLE)
    for name in EVENTS:
        if not same_metrics(name):
            raise AssertionError(f"Powertools stand-in emits other metrics than the processor for {name}")
    added = _import_ms(quick)
    per_event = _per_event_us(quick)
    ours = {name: figures["processor"] - figures["floor"] for name, figures in per_event.items()}
    theirs = {name: figures["powertools"] - figures["floor"] for name, figures in per_event.items()}
    result.figure = f"+{ours['decision']:.1f} µs/decision, import {added['ours']:.1f} ms"
    result.floor = f"Powertools +{theirs['decision']:.1f} µs/decision, import +{added['powertools']:.1f} ms on ingest"
    result.data.update(import_ms=added, per_event_us=per_event)
    result.say(
        f"imports (-X importtime, median of {3 if quick else 11}): factor_cleanup.runtime.metrics "
        f"{added['ours']:.1f} ms; aws_lambda_powertools.metrics adds {added['powertools']:.1f} ms "
        f"({added['modules']} modules) to a cold ingest function"
    )
    result.say(
        "per event, log call into /dev/null (best loop): floor µs, +processor µs (+bytes), +Powertools µs "
        "(+bytes in extra lines)"
    )
    for name, figures in per_event.items():
        ours_bytes, their_bytes = added_bytes(name)
        result.say(
            f"  {name:17s} {figures['floor']:6.1f}  +{ours[name]:5.1f} (+{ours_bytes} B)  +{theirs[name]:5.1f} "
            f"(+{their_bytes} B in {int(figures['lines'])} line(s))"
        )
    batched = per_event["verify_call"]["batched"]
    result.say(f"  verify_call, Powertools batched ({BATCH} per flush): +{batched:.1f} µs/event")
    return result


def _import_ms(quick: bool) -> dict[str, float]:
    """Self time of the modules each variant imports beyond a cold ingest function, in ms."""
    runs = 3 if quick else 11
    ingest = import_times(VARIANTS["ingest"], runs)
    with_powertools = import_times(VARIANTS["ingest"] + "\nimport aws_lambda_powertools.metrics", runs)
    alone = import_times("import structlog, dataclasses, typing", runs)
    ours = import_times("import structlog, dataclasses, typing\nimport factor_cleanup.runtime.metrics", runs)
    extra = {name: us for name, us in with_powertools.items() if name not in ingest}
    return {
        "powertools": sum(extra.values()) / 1000,
        "modules": len(extra),
        "ours": sum(us for name, us in ours.items() if name not in alone) / 1000,
    }


def _per_event_us(quick: bool) -> dict[str, dict[str, float]]:
    number, repeat = (200, 3) if quick else (2000, 7)
    with quiet_logs(), _info_to_devnull() as log, open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        figures = {name: _time_event(log, name, number, repeat) for name in EVENTS}
        figures["verify_call"]["batched"] = _batched_us(number // 10 or 1, repeat)
    return figures


def _time_event(log: Any, name: str, number: int, repeat: int) -> dict[str, float]:
    """µs per log call of `name`: without metrics, with our processor, without it plus Powertools."""
    import structlog

    from factor_cleanup.runtime.metrics import emf_processor

    fields, chain = EVENTS[name], structlog.get_config()["processors"]

    def log_it() -> None:
        log.info(name, **fields)

    def log_it_and_powertools() -> None:
        log.info(name, **fields)
        powertools_emit(name, {"event": name, **fields})

    structlog.configure(processors=[p for p in chain if p is not emf_processor])
    floor = best_per_call(log_it, number, repeat)
    powertools = best_per_call(log_it_and_powertools, number, repeat)
    structlog.configure(processors=chain)
    processor = best_per_call(log_it, number, repeat)
    lines = len(io_lines(lambda: powertools_emit(name, {"event": name, **fields})))
    return {"floor": floor * 1e6, "processor": processor * 1e6, "powertools": powertools * 1e6, "lines": lines}


def _batched_us(number: int, repeat: int) -> float:
    from aws_lambda_powertools.metrics import EphemeralMetrics

    fields = EVENTS["verify_call"]

    def invocation() -> None:
        metrics = EphemeralMetrics(namespace="PushJanitor")
        metrics.add_dimension("Operation", fields["operation"])
        for _ in range(BATCH):  # the 100th value prints the blob: Powertools' own flush at EMF's cap
            metrics.add_metric("VerifyLatency", "Milliseconds", fields["duration_ms"])

    return best_per_call(invocation, number, repeat) * 1e6 / BATCH


@contextlib.contextmanager
def _info_to_devnull() -> Iterator[Any]:
    """A logger at INFO (quiet_logs sets WARNING), writing into /dev/null."""
    import logging

    import structlog

    with open(os.devnull, "w") as sink:
        structlog.configure(
            wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
            logger_factory=structlog.PrintLoggerFactory(sink),
        )
        yield structlog.get_logger("bench")


if __name__ == "__main__":
    from bench.__main__ import main

    main(["--only", "metrics"])
