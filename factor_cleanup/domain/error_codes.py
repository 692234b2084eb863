"""Which Twilio push error codes prove that an app is gone, and which must never delete anything.

The table is data: Twilio warns that error codes change, so ops can override any entry with
`ERROR_CODE_OVERRIDES` (a JSON object of code -> category) without a release.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum


class Category(str, Enum):
    UNINSTALLED = "uninstalled"  # the push provider says the app is gone: delete candidate
    CONFIGURATION = "configuration"  # credential or bundle/package problem: hits every device, never delete
    BAD_TOKEN = "bad_token"  # malformed token: not proof of an uninstall
    TRANSIENT = "transient"  # provider busy or down: says nothing about the device
    UNKNOWN = "unknown"  # not in the table


_UNINSTALLED = {"52103", "52141", "52119"}
_CONFIGURATION = {
    "52101",
    "52104",
    "52105",
    "52109",
    "52117",
    "52131",
    "52134",
    "52143",
    "52145",
    "52147",
    "52148",
    "52149",
    "52161",
    "52162",
    "52163",
    "52164",
}
_BAD_TOKEN = {"52102", "52133", "52142"}
_TRANSIENT = {"52108", "52110", "52111", "52144"}

DEFAULT_TABLE: dict[str, Category] = {
    **dict.fromkeys(_UNINSTALLED, Category.UNINSTALLED),
    **dict.fromkeys(_CONFIGURATION, Category.CONFIGURATION),
    **dict.fromkeys(_BAD_TOKEN, Category.BAD_TOKEN),
    **dict.fromkeys(_TRANSIENT, Category.TRANSIENT),
}

# A configuration failure (a wrong push credential, bundle id or Firebase project) hits every device of a
# service at once, and Twilio may still file it under an uninstall code. When the push provider's own reason
# in the description names one, it overrides the code. One entry per provider reason (a regular expression
# matched as a whole word, in any case), from Apple's "Handling error responses from APNs" and Firebase's FCM
# v1 ErrorCode reference and legacy HTTP errors. Uninstall reasons (APNs 410 Unregistered; FCM 404
# UNREGISTERED, NotRegistered) are not here: the error code decides those.
CONFIGURATION_REASONS: tuple[tuple[str, str], ...] = (
    # APNs, HTTP 403: the provider credential
    ("APNs", "BadCertificate"),  # the TLS certificate is invalid
    ("APNs", "BadCertificateEnvironment"),  # a sandbox certificate used for production, or the reverse
    ("APNs", "ExpiredProviderToken"),  # the provider token (JWT) is stale: the signing is broken
    ("APNs", "InvalidProviderToken"),  # the provider token is not valid or its signature cannot be verified
    ("APNs", "MissingProviderToken"),  # neither a certificate nor a provider token was sent
    ("APNs", "UnrelatedKeyIdInToken"),  # the token's key id is not the one this connection started with
    ("APNs", "BadEnvironmentKey(?:Id)?InToken"),  # the token's key is for the other environment
    ("APNs", "Forbidden"),  # the action is not allowed for this credential
    # APNs, HTTP 400: the topic (the iOS app's bundle id) configured on the Verify Service
    ("APNs", "DeviceTokenNotForTopic"),  # the device token belongs to another app than the topic
    ("APNs", "BadTopic"),  # the topic is not a valid one
    ("APNs", "TopicDisallowed"),  # the credential may not push to this topic
    ("APNs", "MissingTopic"),  # no topic, and the certificate covers several
    # FCM HTTP v1
    ("FCM", "SENDER_ID_MISMATCH"),  # 403: the token belongs to another Firebase project than the credential
    ("FCM", "THIRD_PARTY_AUTH_ERROR"),  # 401: the APNs certificate or key uploaded to Firebase is wrong
    ("FCM", "UNAUTHENTICATED"),  # the status of a 401: the service-account credential is wrong
    ("FCM", "PERMISSION_DENIED"),  # the status of a 403: the credential may not send for this project
    # FCM legacy HTTP API
    ("FCM", "MismatchSenderId"),  # SENDER_ID_MISMATCH before v1
    ("FCM", "InvalidApnsCredential"),  # THIRD_PARTY_AUTH_ERROR before v1
    ("FCM", "AuthenticationError"),  # 401: the server key is wrong
    ("FCM", "InvalidPackageName"),  # the token's Android package is not the one the credential is for
    # Any provider
    ("push provider", "unauthori[sz]ed"),  # an authentication failure says nothing about the device
)
_CONFIGURATION_REASONS = tuple(
    (provider, re.compile(rf"\b{reason}\b", re.IGNORECASE)) for provider, reason in CONFIGURATION_REASONS
)
# Any HTTP 401 or 403 from the provider is a refused credential, whatever the error code: a number on its own,
# not part of a longer token, id or version.
_AUTH_STATUS = re.compile(r"(?<![\w.])40[13](?![\w.])")


# A token the provider cannot use is not an app that is gone: APNs BadDeviceToken also means a token of the
# other APNs environment (a sandbox build, or a Verify Service set to the wrong one: then every iOS device
# fails at once), FCM InvalidRegistration and INVALID_ARGUMENT a malformed token or message.
BAD_TOKEN_REASONS: tuple[tuple[str, str], ...] = (
    ("APNs", "BadDeviceToken"),
    ("FCM", "InvalidRegistration"),
    ("FCM", "INVALID_ARGUMENT"),
)
_BAD_TOKEN_REASONS = tuple(
    (provider, re.compile(rf"\b{reason}\b", re.IGNORECASE)) for provider, reason in BAD_TOKEN_REASONS
)


def bad_token_sign(description: str) -> str | None:
    """The provider reason in a push failure's description that says the token, not the app, is the problem."""
    for provider, pattern in _BAD_TOKEN_REASONS:
        if found := pattern.search(description):
            return f"{provider} {found.group()}"
    return None


def configuration_sign(description: str) -> str | None:
    """The provider reason, or HTTP status, in a push failure's description that proves a configuration error."""
    for provider, pattern in _CONFIGURATION_REASONS:
        if found := pattern.search(description):
            return f"{provider} {found.group()}"
    status = _AUTH_STATUS.search(description)
    return f"HTTP {status.group()}" if status else None


ADVICE = {
    Category.CONFIGURATION: "check the push credential (FCM key / APNs key or certificate) and the app's "
    "bundle or package id on the Verify Service; every device is affected, nothing was deleted",
    Category.BAD_TOKEN: "a malformed token is not proof the app is gone",
    Category.TRANSIENT: "the push provider was busy or down; this says nothing about the device",
    Category.UNKNOWN: "this error code is not evidence of an uninstall",
}


@dataclass(frozen=True)
class ErrorCodeVerdict:
    category: Category
    reason: str

    @property
    def delete_candidate(self) -> bool:
        return self.category is Category.UNINSTALLED


class ErrorCodePolicy:
    """Classifies a push failure by its error code and description."""

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        self.table = dict(DEFAULT_TABLE)
        for code, category in (overrides or {}).items():
            self.table[str(code).strip()] = Category(category)

    def classify(self, error_code: str | int | None, description: str | None = None) -> ErrorCodeVerdict:
        code = str(error_code).strip() if error_code is not None else ""
        sign = configuration_sign(description) if description else None
        if description and sign:
            return ErrorCodeVerdict(
                Category.CONFIGURATION,
                f"{sign} ({description.strip()[:120]}): {ADVICE[Category.CONFIGURATION]}",
            )
        bad_token = bad_token_sign(description) if description else None
        if bad_token:
            return ErrorCodeVerdict(Category.BAD_TOKEN, f"{bad_token}: {ADVICE[Category.BAD_TOKEN]}")
        category = self.table.get(code, Category.UNKNOWN)
        if category is Category.UNINSTALLED:
            return ErrorCodeVerdict(category, f"error {code}: the push provider reports the app uninstalled")
        label = f"error {code}" if code else "no error code"
        return ErrorCodeVerdict(category, f"{label} is a {category.value} error: {ADVICE[category]}")
