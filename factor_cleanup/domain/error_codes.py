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

# FCM answers 401 when the server credential is wrong; Twilio may still file it under an uninstall-looking
# code. An authentication failure says nothing about the device, so it overrides the code.
_CREDENTIAL_FAILURE = re.compile(r"\b401\b.*\b(fcm|gcm|apns?)\b|unauthori[sz]ed", re.IGNORECASE)

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
        if description and _CREDENTIAL_FAILURE.search(description):
            return ErrorCodeVerdict(
                Category.CONFIGURATION,
                f"credential failure ({description.strip()[:120]}): {ADVICE[Category.CONFIGURATION]}",
            )
        category = self.table.get(code, Category.UNKNOWN)
        if category is Category.UNINSTALLED:
            return ErrorCodeVerdict(category, f"error {code}: the push provider reports the app uninstalled")
        label = f"error {code}" if code else "no error code"
        return ErrorCodeVerdict(category, f"{label} is a {category.value} error: {ADVICE[category]}")
