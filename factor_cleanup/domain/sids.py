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


# Twilio's rule for a Verify entity identity (Entity/Factor/Challenge specs): 8 to 64 dash-separated alphanumerics.
VERIFY_IDENTITY = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")


def is_verify_identity(value: str) -> bool:
    """True when Verify would accept `value` as an entity identity."""
    return 8 <= len(value) <= 64 and VERIFY_IDENTITY.fullmatch(value) is not None
