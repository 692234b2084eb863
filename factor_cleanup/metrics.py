"""CloudWatch metrics in Embedded Metric Format, derived from the log events we already write.

A structlog processor adds the `_aws` block to chosen events, so a metric costs no API call and
cannot disagree with the log line it came from. Dimensions are kept few (outcome, reason, source):
each distinct combination is a billed custom metric.
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable

NAMESPACE = os.environ.get("METRICS_NAMESPACE", "PushJanitor")

EventDict = dict[str, Any]

# event name -> function building (metric values, dimension values) from the log event
_Metric = tuple[dict[str, tuple[float, str]], dict[str, str]]


def _received(event: EventDict) -> _Metric:
    return {"EventsReceived": (1, "Count")}, {"Source": str(event.get("source", "debugger"))}


def _decision(event: EventDict) -> _Metric:
    values = {"Decisions": (1, "Count")}
    if event.get("reason_code") == "configuration":
        values["ConfigurationErrors"] = (1, "Count")
    return values, {"Outcome": str(event.get("outcome")), "ReasonCode": str(event.get("reason_code"))}


def _verify_call(event: EventDict) -> _Metric:
    values = {"VerifyLatency": (float(event.get("duration_ms", 0)), "Milliseconds")}
    if event.get("status", 0) == 0 or int(event.get("status", 0)) >= 400:
        values["VerifyErrors"] = (1, "Count")
    return values, {"Operation": str(event.get("operation", "unknown"))}


def _breaker(event: EventDict) -> _Metric:
    return {"BreakerTrips": (1, "Count")}, {}


def _rejected(event: EventDict) -> _Metric:
    return {"WebhooksRejected": (1, "Count")}, {}


METRIC_EVENTS: dict[str, Callable[[EventDict], _Metric]] = {
    "event_queued": _received,
    "decision": _decision,
    "verify_call": _verify_call,
    "breaker_tripped": _breaker,
    "signature_rejected": _rejected,
}


def emf_processor(_logger: Any, _method: str, event: EventDict) -> EventDict:
    """Turn a known log event into an EMF record (the log line stays readable JSON)."""
    build = METRIC_EVENTS.get(str(event.get("event")))
    if build is None or os.environ.get("METRICS_ENABLED", "true").lower() == "false":
        return event
    values, dimensions = build(event)
    metrics = [{"Name": name, "Unit": unit} for name, (_, unit) in values.items()]
    directive: dict[str, Any] = {"Namespace": NAMESPACE, "Metrics": metrics}
    directive["Dimensions"] = [sorted(dimensions)] if dimensions else [[]]
    event["_aws"] = {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [directive]}
    event.update({name: value for name, (value, _) in values.items()})
    event.update(dimensions)
    return event
