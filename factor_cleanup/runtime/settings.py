"""Configuration from the environment, validated once at start-up so a mistake fails loudly and early.

Each field is read from the environment variable of its name in capitals (`QUEUE_URL` -> `queue_url`) and
validated by pydantic; an error names the field, which bootstrap.load_settings turns into the variable.
A plain pydantic model and `from_environ` do what pydantic-settings did here at a fraction of its import
time, which every cold start pays (README "Performance").
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from factor_cleanup.domain.error_codes import Category

DELETE_NEEDS_REGISTRY = (
    "CLEANUP_MODE=delete needs REGISTRY_TABLE: without the factor registry no sign of life after the evidence "
    "can be seen, so nothing may be deleted (set REGISTRY_TABLE, or CLEANUP_MODE=report-only)"
)


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings `environ` (the process environment) gives; a variable that is not set keeps its default."""
        environ = os.environ if environ is None else environ
        given = {name: environ[name.upper()] for name in cls.model_fields if name.upper() in environ}
        return cls.model_validate(given)

    twilio_account_sid: str = Field(default="", pattern=r"^(AC[0-9a-f]{32})?$")
    # The auth token signs webhooks. Locally it comes from the environment; on AWS from an SSM
    # SecureString named by TWILIO_AUTH_TOKEN_PARAMETER, read at run time and cached.
    twilio_auth_token: str = ""
    twilio_auth_token_parameter: str = ""
    # Token rotation: Twilio signs with the primary token only, so after promoting a new one, requests
    # signed just before still carry the old one. It is accepted until the (required) end of the grace.
    twilio_auth_token_previous: str = ""
    twilio_auth_token_previous_parameter: str = ""
    twilio_auth_token_previous_until: datetime | None = None
    twilio_api_key_sid: str = ""
    twilio_api_key_secret: str = ""
    twilio_api_key_secret_parameter: str = ""
    twilio_verify_base_url: str = "https://verify.twilio.com"
    twilio_events_base_url: str = ""  # Event Streams API; empty = the Verify URL with verify. -> events.

    verify_service_sids: frozenset[str] = frozenset()
    cleanup_mode: Literal["delete", "report-only"] = "report-only"
    error_code_overrides: dict[str, Category] = Field(default_factory=dict)
    verify_max_in_flight: int = Field(default=16, ge=1, le=100)
    # Records of one batch decided at once (their DynamoDB work overlaps others' Verify calls).
    worker_record_concurrency: int = Field(default=100, ge=1, le=200)
    verify_timeout_seconds: float = Field(default=10.0, ge=1, le=60)

    public_base_url: str = ""
    webhook_url_fragment: str = ""

    queue_url: str = ""
    activity_queue_url: str = ""
    """App-activity reports only: customer backends may send here, and its consumer can never delete."""
    ledger_table: str = ""
    idempotency_table: str = ""
    idempotency_window_seconds: int = Field(default=14 * 24 * 3600, ge=60)
    ledger_retention_days: int = Field(default=400, ge=1)
    secret_cache_seconds: int = Field(default=300, ge=0)

    # Cleanup reports (README: "Cleanup reports"): DLQ depth in "needs attention", the daily S3 report and its email.
    dead_letter_queue_url: str = ""
    report_bucket: str = ""
    report_topic_arn: str = ""

    # The factor registry and the inactivity sweeper (README: "The inactivity sweeper"). Required in delete
    # mode (DELETE_NEEDS_REGISTRY): only the registry can show life after the evidence.
    registry_table: str = ""
    # Circuit breaker (README: "Safety"): per Verify Service, per sliding hour.
    safety_table: str = ""
    max_deletions_per_hour: int = Field(default=100, ge=1, le=100_000)
    # The proportional part: this percent of a service's verified push factors, when more than the floor above.
    max_deletions_percent_per_hour: float = Field(default=1.0, ge=0, le=100)
    config_error_trip_count: int = Field(default=50, ge=1, le=100_000)
    inactive_days: int = Field(default=30, ge=1, le=3650)
    unanswered_challenges: int = Field(default=3, ge=1, le=20)
    sweep_page_size: int = Field(default=100, ge=1, le=1000)
    # POST /app/activity is off until a shared secret is configured (env locally, SSM name on AWS).
    app_activity_secret: str = ""
    app_activity_secret_parameter: str = ""
    app_activity_max_skew_seconds: int = Field(default=300, ge=30, le=3600)
    # Read by logs.configure() before Settings exist; declared here so a typo fails at start like any setting.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    def refused(self) -> str | None:
        """Why these settings must not run, though each value is valid: load_settings raises it at start.

        Not a model validator: tests and tools build Settings and hand the registry in as an adapter (App.cleanup
        checks that case)."""
        if self.cleanup_mode == "delete" and not self.registry_table:
            return DELETE_NEEDS_REGISTRY
        return None

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("twilio_auth_token_previous_until", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _grace_has_an_end(self) -> Settings:
        has_previous = self.twilio_auth_token_previous or self.twilio_auth_token_previous_parameter
        if has_previous and self.twilio_auth_token_previous_until is None:
            raise ValueError(
                "TWILIO_AUTH_TOKEN_PREVIOUS needs TWILIO_AUTH_TOKEN_PREVIOUS_UNTIL (ISO 8601, "
                "e.g. 2026-12-01T00:00:00Z): the end of the rotation's grace period"
            )
        until = self.twilio_auth_token_previous_until
        if until is not None and until.tzinfo is None:
            raise ValueError("TWILIO_AUTH_TOKEN_PREVIOUS_UNTIL needs a time zone, e.g. 2026-12-01T00:00:00Z")
        return self

    @field_validator("verify_service_sids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            sids = {item.strip() for item in value.split(",") if item.strip()}
            bad = sorted(sid for sid in sids if not (sid.startswith("VA") and len(sid) == 34))
            if bad:
                raise ValueError(f"not Verify Service SIDs (VA + 32 hex): {', '.join(bad)}")
            return frozenset(sids)
        return value

    @field_validator("error_code_overrides", mode="before")
    @classmethod
    def _json_object_or_pairs(cls, value: object) -> object:
        """A JSON object, or `52119=bad_token,52141=unknown`: the form that survives make, a shell and sam deploy."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if not text or text.startswith("{"):
            return _json_object(text)
        pairs = [item.partition("=") for item in text.split(",") if item.strip()]
        if any(not separator for _, separator, _ in pairs):
            raise ValueError(f"must be code=category pairs (52119=bad_token,52141=unknown) or a JSON object: {value!r}")
        return {code.strip(): category.strip() for code, _, category in pairs}

    @field_validator("public_base_url", "twilio_verify_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")


def _json_object(text: str) -> object:
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ValueError(f'must be a JSON object such as {{"52119": "bad_token"}} ({exc})') from exc
