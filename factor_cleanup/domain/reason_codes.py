"""Why a decision came out as it did: the enum every ledger row, report, metric and test names."""

from __future__ import annotations

from enum import Enum


class ReasonCode(str, Enum):
    """Why a decision came out as it did: a stable key for reports, metrics and tests."""

    # the app is gone
    UNINSTALLED = "uninstalled"
    INACTIVE = "inactive"
    # the error code is not proof of an uninstall (ErrorCodePolicy categories)
    CONFIGURATION = "configuration"
    BAD_TOKEN = "bad_token"
    TRANSIENT = "transient"
    UNKNOWN = "unknown"
    # the inactivity rule keeps the factor (InactivityRule)
    ALIVE = "alive"
    ANSWERED_RECENTLY = "answered_recently"
    CHALLENGE_PENDING = "challenge_pending"
    TOO_FEW_UNANSWERED = "too_few_unanswered"
    NOT_VERIFIED = "not_verified"
    UNLISTED_CHALLENGES = "unlisted_challenges"
    NOT_IOS = "not_ios"
    # the evidence does not name one push factor of ours, or cannot be dated
    AMBIGUOUS_IDS = "ambiguous_ids"
    UNMANAGED_SERVICE = "unmanaged_service"
    INVALID_IDENTITY = "invalid_identity"
    IDENTITY_MISMATCH = "identity_mismatch"
    NOT_PUSH = "not_push"
    UNDATED = "undated"
    FUTURE_DATED = "future_dated"
    NO_REGISTRY = "no_registry"
    # the effects
    BREAKER_OPEN = "breaker_open"
    VERIFY_REJECTED = "verify_rejected"


GONE_CODES = frozenset({ReasonCode.UNINSTALLED, ReasonCode.INACTIVE})
