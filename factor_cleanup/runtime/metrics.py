"""CloudWatch metrics in Embedded Metric Format, derived from the log events we already write.

A structlog processor adds the `_aws` block to chosen events, so a metric costs no API call and
cannot disagree with the log line it came from. Which log event gives which metric, with which
dimensions, is declared once in `DIRECTIVES`: the processor reads it, and so does the test that checks
the CloudWatch dashboard in infra/template.yaml plots only metrics we emit. Dimension values are kept
few (outcomes, reason codes, managed services, routes): each distinct combination is a billed metric.
Kept over Powertools Metrics, measured: per-event dimensions need its flush per event, ~5x our cost (README).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

NAMESPACE = os.environ.get("METRICS_NAMESPACE", "PushJanitor")

EventDict = MutableMapping[str, Any]  # what structlog hands a processor
Value = Callable[[EventDict], "float | None"]  # None: this event does not emit the metric


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    value: Value


@dataclass(frozen=True)
class Directive:
    """One EMF directive: the metrics a log event emits under one set of dimensions."""

    event: str
    dimensions: dict[str, Callable[[EventDict], str]]
    metrics: tuple[Metric, ...]


def field(name: str, default: str = "none") -> Callable[[EventDict], str]:
    return lambda event: str(event.get(name) if event.get(name) is not None else default)


def count(name: str, when: Callable[[EventDict], bool] = lambda event: True) -> Metric:
    return Metric(name, "Count", lambda event: 1 if when(event) else None)


def milliseconds(name: str) -> Metric:
    return Metric(name, "Milliseconds", lambda event: float(event.get("duration_ms", 0)))


def status_class(event: EventDict) -> str:
    """`2xx`, `4xx`, `5xx`; an unknown status counts as `5xx` (nothing was answered)."""
    status = int(event.get("status") or 0)
    return f"{status // 100}xx" if 100 <= status < 600 else "5xx"


def _failed_call(event: EventDict) -> bool:
    return int(event.get("status") or 0) == 0 or int(event.get("status") or 0) >= 400


def _configuration(event: EventDict) -> bool:
    return event.get("reason_code") == "configuration"


def _deleted(event: EventDict) -> bool:
    return event.get("outcome") == "deleted"


DIRECTIVES: tuple[Directive, ...] = (
    Directive("event_queued", {"Source": field("source", "debugger")}, (count("EventsReceived"),)),
    Directive(
        "decision",
        {"Outcome": field("outcome"), "ReasonCode": field("reason_code")},
        (count("Decisions"), count("ConfigurationErrors", when=_configuration)),
    ),
    # Surges by error code and Verify Service (only managed services get this far, so few values).
    Directive(
        "decision",
        {"ErrorCode": field("error_code"), "ServiceSid": field("service_sid")},
        (count("ConfigurationErrors", when=_configuration),),
    ),
    # What the circuit breaker counts, per service, to plot against its hourly allowance.
    Directive("decision", {"ServiceSid": field("service_sid")}, (count("Deletions", when=_deleted),)),
    Directive(
        "verify_call",
        {"Operation": field("operation", "unknown")},
        (milliseconds("VerifyLatency"), count("VerifyErrors", when=_failed_call)),
    ),
    Directive("breaker_tripped", {}, (count("BreakerTrips"),)),
    # Each service's hourly allowance, logged whenever the breaker reads its factor count (while deleting).
    Directive(
        "breaker_allowance",
        {"ServiceSid": field("service_sid")},
        (Metric("DeletionAllowance", "Count", lambda event: float(event.get("allowance", 0))),),
    ),
    Directive("signature_rejected", {}, (count("WebhooksRejected"),)),
    Directive("webhook_answered", {"Route": field("route"), "StatusClass": status_class}, (count("IngestResponses"),)),
    Directive("webhook_answered", {"Route": field("route")}, (milliseconds("IngestLatency"),)),
)


def emitted_metrics() -> set[tuple[str, frozenset[str]]]:
    """Every (metric name, dimension names) pair the processor can emit."""
    return {(metric.name, frozenset(d.dimensions)) for d in DIRECTIVES for metric in d.metrics}


def emf_processor(_logger: Any, _method: str, event: EventDict) -> EventDict:
    """Turn a known log event into an EMF record (the log line stays readable JSON)."""
    if os.environ.get("METRICS_ENABLED", "true").lower() == "false":
        return event
    name = str(event.get("event"))
    emitted = [_emit(directive, event) for directive in DIRECTIVES if directive.event == name]
    directives = [directive for directive in emitted if directive]
    if directives:
        event["_aws"] = {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": directives}
    return event


def _emit(directive: Directive, event: EventDict) -> dict[str, Any] | None:
    """The EMF directive for `event`, its values and dimensions set at the record's root; None if it emits nothing."""
    values = {metric: metric.value(event) for metric in directive.metrics}
    shown = [metric for metric, value in values.items() if value is not None]
    if not shown:
        return None
    dimensions = {name: value(event) for name, value in directive.dimensions.items()}
    event.update({metric.name: values[metric] for metric in shown})
    event.update(dimensions)
    return {
        "Namespace": NAMESPACE,
        "Metrics": [{"Name": m.name, "Unit": m.unit} for m in shown],
        "Dimensions": [sorted(dimensions)],
    }
