"""The real clock, for production wiring; tests pass a fixed one (the Clock port)."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
