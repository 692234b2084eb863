"""Writers that get each action as the ledger yields it, so complete CSV and JSON reports need no memory per row."""

from __future__ import annotations

import csv
import json
from typing import Any, Protocol, TextIO

from factor_cleanup.reports.tally import Period

CSV_COLUMNS = (
    "at",
    "service_sid",
    "identity",
    "factor_sid",
    "error_code",
    "outcome",
    "reason_code",
    "reason",
    "event_sid",
    "binding_type",
    "source",
    "reviewed_event_sid",
    "applied_outcome",
    "applied_reason_code",
    "applied_event_sid",
    "applied_at",
)
# A spreadsheet runs a cell starting with one of these as a formula; identities are customer input (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Sink(Protocol):
    def start(self, period: Period) -> None:
        """Called once, before the first row."""

    def row(self, row: dict[str, Any]) -> None:
        """One action, as its JSON dict, in ledger order (oldest first)."""

    def finish(self, report: dict[str, Any]) -> None:
        """Called once after the last row with the report's other keys (summary, period, actions_omitted)."""


def csv_cell(value: Any) -> str:
    """The cell text, with a leading quote when a spreadsheet would otherwise evaluate it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class CsvSink:
    """RFC 4180 CSV, a header and then one line per action, written as each arrives."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out, lineterminator="\r\n")

    def start(self, period: Period) -> None:
        self._writer.writerow(CSV_COLUMNS)

    def row(self, row: dict[str, Any]) -> None:
        self._writer.writerow([csv_cell(row.get(column)) for column in CSV_COLUMNS])

    def finish(self, report: dict[str, Any]) -> None:
        pass


class JsonSink:
    """The report as JSON with `actions` streamed; `summary` comes last because it is known only at the end."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._first = True

    def start(self, period: Period) -> None:
        self._out.write('{"period": ' + json.dumps(period.to_dict()) + ', "actions": [')

    def row(self, row: dict[str, Any]) -> None:
        self._out.write(("\n" if self._first else ",\n") + json.dumps(row))
        self._first = False

    def finish(self, report: dict[str, Any]) -> None:
        tail = {key: value for key, value in report.items() if key not in ("period", "actions")}
        tail["actions_omitted"] = 0  # every row was streamed, whatever the caller kept in memory
        self._out.write("\n]" + "".join(f", {json.dumps(k)}: {json.dumps(v)}" for k, v in tail.items()) + "}\n")
