"""The Verify client factory: Twilio's REST client, built on the first call that needs it.

Building it imports twilio.rest (about 20 ms) and may read the REST credentials from SSM, so report-only
runs never pay for it, and no cold start does: the first Verify call of a worker instance does, once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from factor_cleanup.adapters.twilio.verify_api import TwilioVerifyApi
    from factor_cleanup.domain.factors import Challenge, VerifyFactor

Credentials = Callable[[], "tuple[str, str]"]
"""(username, password) for the REST API, read when the client is built: an API key, or the auth token."""


class LazyVerifyApi:
    """Implements the VerifyApi port by building a TwilioVerifyApi on first use and keeping it."""

    def __init__(
        self, account_sid: str, credentials: Credentials, *, base_url: str, timeout: float, max_in_flight: int
    ) -> None:
        self._account_sid = account_sid
        self._credentials = credentials
        self._base_url, self._timeout, self._max_in_flight = base_url, timeout, max_in_flight
        self._api: TwilioVerifyApi | None = None
        self._lock = threading.Lock()

    def delete_factor(self, service_sid: str, identity: str, factor_sid: str) -> None:
        self._client().delete_factor(service_sid, identity, factor_sid)

    def fetch_factor(self, service_sid: str, identity: str, factor_sid: str) -> VerifyFactor:
        return self._client().fetch_factor(service_sid, identity, factor_sid)

    def recent_challenges(self, service_sid: str, identity: str, factor_sid: str, limit: int) -> list[Challenge]:
        return self._client().recent_challenges(service_sid, identity, factor_sid, limit)

    def list_factors(self, service_sid: str) -> Iterator[VerifyFactor]:
        return self._client().list_factors(service_sid)

    def _client(self) -> TwilioVerifyApi:
        with self._lock:  # the worker's records run in threads: build one client, not one per record
            if self._api is None:
                from factor_cleanup.adapters.twilio.verify_api import TwilioVerifyApi

                username, password = self._credentials()
                self._api = TwilioVerifyApi(
                    self._account_sid,
                    username,
                    password,
                    base_url=self._base_url,
                    timeout=self._timeout,
                    max_in_flight=self._max_in_flight,
                )
            return self._api
