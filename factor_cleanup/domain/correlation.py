"""Reads `more_info.correlationIds` of a Verify Push failure.

Twilio lists the Verify Service SID, the entity identity, the factor SID and the challenge SID in no
fixed order, so each item is recognised by its shape, never by its position. Anything ambiguous is
reported as a problem instead of being guessed: a wrong guess would delete somebody else's factor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from factor_cleanup.domain import sids

_QUOTES = "\"'`"


@dataclass(frozen=True)
class CorrelatedIds:
    service_sid: str | None = None
    identity: str | None = None
    factor_sid: str | None = None
    challenge_sid: str | None = None
    problem: str | None = None
    """Why the ids cannot be trusted to name one factor; None when they can."""
    problem_code: str | None = None
    """`repeated_ids`, `missing_ids`, or `missing_identity` when only the identity is absent (the registry has it)."""


def split_items(raw: object) -> list[str]:
    """Items of a correlationIds value: a list, a JSON array, or Twilio's `[a, b, c]` string."""
    if raw is None:
        return []
    if isinstance(raw, (list, tuple)):
        items = [str(item) for item in raw]
    else:
        text = str(raw).strip()
        decoded = None
        if text.startswith("[") and '"' in text:  # a JSON array; Twilio's own `[a, b]` has no quotes
            try:
                decoded = json.loads(text)
            except (ValueError, RecursionError):  # not JSON, or nested too deeply to be the list we want
                decoded = None
        items = [str(item) for item in decoded] if isinstance(decoded, list) else text.strip("[]() \t\r\n").split(",")
    cleaned = (item.strip().strip(_QUOTES).strip() for item in items)
    return list(dict.fromkeys(item for item in cleaned if item))  # drop blanks and repeats, keep order


def parse_correlation_ids(raw: object) -> CorrelatedIds:
    """Sort the items into service, identity, factor and challenge; name the problem if any."""
    by_prefix: dict[str, list[str]] = {}
    identities: list[str] = []
    for item in split_items(raw):
        if sids.is_sid(item):
            by_prefix.setdefault(item[:2], []).append(item)
        else:
            identities.append(item)

    services = by_prefix.get(sids.VERIFY_SERVICE, [])
    factors = by_prefix.get(sids.FACTOR, [])
    challenges = by_prefix.get(sids.CHALLENGE, [])
    problem_code, problem = _ambiguity(services, identities, factors, challenges)
    return CorrelatedIds(
        service_sid=_only(services),
        identity=_only(identities),
        factor_sid=_only(factors),
        challenge_sid=_only(challenges),
        problem=problem,
        problem_code=problem_code,
    )


def _only(values: list[str]) -> str | None:
    return values[0] if len(values) == 1 else None


def _ambiguity(
    services: list[str], identities: list[str], factors: list[str], challenges: list[str]
) -> tuple[str | None, str | None]:
    """(code, message) of the first problem found, or (None, None)."""
    counted = [
        ("Verify Service SID (VA…)", services, True),
        ("entity identity", identities, True),
        ("factor SID (YF…)", factors, True),
        ("challenge SID (YC…)", challenges, False),
    ]
    missing = [label for label, values, required in counted if required and not values]
    only_identity_missing = missing == ["entity identity"] and all(len(values) <= 1 for _, values, _ in counted)
    for label, values, required in counted:
        if len(values) > 1:
            return (
                "repeated_ids",
                f"correlationIds holds {len(values)} different {label} values; cannot tell which is meant",
            )
        if required and not values:
            code = "missing_identity" if only_identity_missing else "missing_ids"
            return code, f"correlationIds has no {label}"
    return None, None
