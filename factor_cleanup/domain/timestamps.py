"""Reading the timestamps Twilio, AWS and customer backends send, which differ in precision and zone notation."""

from __future__ import annotations

from datetime import UTC, datetime


class TimestampOutOfRange(ValueError):
    """ISO 8601 in form, but outside the dates a UTC datetime can hold (`9999-12-31T23:59:59-12:00`)."""


def parse_iso(text: str) -> datetime:
    """ISO 8601 with a zone (`Z` or an offset) -> an aware UTC datetime; ValueError names the problem."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone; add Z or an offset such as +00:00")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise TimestampOutOfRange(f"timestamp {text!r} is outside the range of dates in UTC") from None


def check_in_range(text: object) -> None:
    """Raise TimestampOutOfRange for an ISO 8601 date past the ends of the calendar; anything else passes.

    Intake refuses such dates (a 4xx) on every route, so no message that no one can date reaches the queue.
    """
    if isinstance(text, str) and text.strip():
        try:
            parse_iso(text)
        except TimestampOutOfRange:
            raise
        except ValueError:
            return


def parse_iso_or_none(text: object) -> datetime | None:
    """Like parse_iso, but None for anything unreadable, for optional fields of other people's payloads."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return parse_iso(text)
    except ValueError:  # TimestampOutOfRange included
        return None
