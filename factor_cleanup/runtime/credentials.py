"""Secrets read at run time: from the environment locally, from SSM Parameter Store on AWS.

A `{{resolve:…}}` reference in a Lambda environment variable would be plaintext in the function's
configuration, so the template passes parameter *names* and values are fetched (and cached) here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from factor_cleanup.runtime.settings import Settings


class ConfigurationError(RuntimeError):
    """A required setting is missing or contradictory; the message says which and how to fix it."""


class Secret:
    def __init__(
        self,
        name: str,
        value: str = "",
        parameter: str = "",
        max_age_seconds: int = 300,
        ssm_client: Callable[[], Any] | None = None,
    ) -> None:
        self.name = name
        self._value = value
        self._parameter = parameter
        self._max_age = max_age_seconds
        self._ssm_client = ssm_client

    @property
    def configured(self) -> bool:
        return bool(self._value or self._parameter)

    def get(self) -> str:
        if self._value:
            return self._value
        if not self._parameter:
            raise ConfigurationError(f"set {self.name} or {self.name}_PARAMETER")
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        try:
            return _ssm_provider(self._ssm_client() if self._ssm_client else None).get(
                self._parameter, decrypt=True, max_age=self._max_age
            )
        except GetParameterError as exc:
            raise ConfigurationError(f"cannot read {self.name} from SSM parameter {self._parameter}: {exc}") from exc


@cache
def _ssm_provider(client: Any) -> Any:
    """One caching provider per SSM client, so values are fetched once per max_age, not per request."""
    from aws_lambda_powertools.utilities.parameters import SSMProvider

    return SSMProvider(boto3_client=client) if client is not None else SSMProvider()


def auth_token(settings: Settings, ssm_client: Callable[[], Any] | None = None) -> Secret:
    return Secret(
        "TWILIO_AUTH_TOKEN",
        settings.twilio_auth_token,
        settings.twilio_auth_token_parameter,
        settings.secret_cache_seconds,
        ssm_client,
    )


def signing_tokens(settings: Settings, ssm_client: Callable[[], Any] | None = None) -> list[str]:
    """Current auth token first, then the previous one while its grace period lasts.

    Twilio signs with the primary token only; the previous one covers requests signed just before
    a rotation, and stops counting at TWILIO_AUTH_TOKEN_PREVIOUS_UNTIL.
    """
    tokens = [auth_token(settings, ssm_client).get()]
    until = settings.twilio_auth_token_previous_until
    if until is not None and datetime.now(UTC) < until:
        previous = Secret(
            "TWILIO_AUTH_TOKEN_PREVIOUS",
            settings.twilio_auth_token_previous,
            settings.twilio_auth_token_previous_parameter,
            settings.secret_cache_seconds,
            ssm_client,
        )
        tokens.append(previous.get())
    return tokens


def rest_credentials(settings: Settings, ssm_client: Callable[[], Any] | None = None) -> tuple[str, str]:
    """(username, password) for the REST API: an API key when configured, else the account's auth token."""
    if settings.twilio_api_key_sid:
        secret = Secret(
            "TWILIO_API_KEY_SECRET",
            settings.twilio_api_key_secret,
            settings.twilio_api_key_secret_parameter,
            settings.secret_cache_seconds,
            ssm_client,
        )
        return settings.twilio_api_key_sid, secret.get()
    if not settings.twilio_account_sid:
        raise ConfigurationError("set TWILIO_ACCOUNT_SID (and TWILIO_AUTH_TOKEN or an API key)")
    return settings.twilio_account_sid, auth_token(settings, ssm_client).get()
