"""Reading the timestamps Twilio, AWS and customer backends send, which differ in precision and zone notation."""

from __future__ import annotations

from datetime import datetime, timezone


def parse_iso(text: str) -> datetime:
    """ISO 8601 with a zone (`Z` or an offset) -> an aware UTC datetime; ValueError names the problem."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone; add Z or an offset such as +00:00")
    return moment.astimezone(timezone.utc)


def parse_iso_or_none(text: object) -> datetime | None:
    """Like parse_iso, but None for anything unreadable, for optional fields of other people's payloads."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return parse_iso(text)
    except ValueError:
        return None
