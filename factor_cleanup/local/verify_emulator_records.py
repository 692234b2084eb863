"""The records of the local Verify emulator: SIDs and dates minted as Twilio's, and rendering to its JSON."""

from __future__ import annotations

import copy
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from factor_cleanup.local.verify_emulator_errors import has_sid_shape

DEFAULT_ACCOUNT_SID = "AC" + "0" * 32

WEBHOOK_EVENT_TYPES = frozenset(
    {"factor.created", "factor.verified", "factor.deleted", "challenge.approved", "challenge.denied", "*"}
)
CHALLENGE_STATUSES = frozenset({"pending", "expired", "approved", "denied"})
CHALLENGE_TTL = timedelta(minutes=5)
Record = dict[str, Any]


def new_sid(prefix: str) -> str:
    """Mint a SID shaped like Twilio's (2 capitals + 32 lowercase hex) so SID validation accepts it."""
    return prefix + secrets.token_hex(16)


def iso(moment: datetime) -> str:
    """Format a date the way Twilio's JSON does: UTC, second precision, trailing `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now() -> datetime:
    """The default clock, replaceable in tests that need fixed dates."""
    return datetime.now(UTC)


def checked_sid(sid: str, prefix: str) -> str:
    """Refuse a SID Twilio would not mint, so the emulator never holds what the API could not name."""
    if not has_sid_shape(sid, prefix):
        raise ValueError(f"not a {prefix} SID ({prefix} + 32 hexadecimal digits): {sid!r}")
    return sid


def render(record: Record, base_url: str) -> Record:
    """Turn a stored record into Twilio's JSON: drop private keys, make `url`/`links` absolute."""
    out = {key: copy.deepcopy(value) for key, value in record.items() if not key.startswith("_")}
    out["url"] = base_url + record["_path"]
    if "_links" in record:
        out["links"] = {name: base_url + path for name, path in record["_links"].items()}
    return out
