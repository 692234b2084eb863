"""Twilio SID shapes: two capital letters naming the resource type, then 32 lowercase hex digits."""

from __future__ import annotations

import re

SID_PATTERN = re.compile(r"^[A-Z]{2}[0-9a-f]{32}$")

ACCOUNT = "AC"
VERIFY_SERVICE = "VA"
ENTITY = "YE"
FACTOR = "YF"
CHALLENGE = "YC"
DEBUGGER_EVENT = "NO"


def is_sid(value: str, prefix: str | None = None) -> bool:
    """True when `value` has the shape of a Twilio SID (of the given type, if one is named)."""
    if not SID_PATTERN.match(value):
        return False
    return prefix is None or value.startswith(prefix)
