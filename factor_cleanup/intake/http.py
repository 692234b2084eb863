"""API Gateway HTTP API (payload 2.0) requests and responses, as plain data the core can use."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any


class BadRequest(ValueError):
    """The request cannot be read at all (e.g. a body that is not valid base64 or UTF-8)."""


@dataclass(frozen=True)
class HttpRequest:
    method: str
    route_key: str
    raw_query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    domain_name: str | None = None
    stage: str | None = None

    @classmethod
    def from_api_gateway(cls, event: dict[str, Any]) -> HttpRequest:
        context = event.get("requestContext") or {}
        http = context.get("http") or {}
        headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
        return cls(
            method=str(http.get("method", "")).upper(),
            route_key=str(event.get("routeKey", "")),
            raw_query=str(event.get("rawQueryString") or ""),
            headers=headers,
            body=_decode_body(event.get("body"), bool(event.get("isBase64Encoded"))),
            domain_name=context.get("domainName"),
            stage=context.get("stage"),
        )

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def media_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    def base_url(self, configured: str | None) -> str:
        """PUBLIC_BASE_URL when set; otherwise the API Gateway domain (+ stage unless `$default`).

        `requestContext.domainName` is set by API Gateway to the domain it serves the request on,
        not copied from a client header.
        """
        if configured:
            return configured
        if not self.domain_name:
            raise BadRequest("PUBLIC_BASE_URL is not set and the request carries no API Gateway domain")
        stage = "" if self.stage in (None, "", "$default") else f"/{self.stage}"
        return f"https://{self.domain_name}{stage}"


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: dict[str, Any]

    def to_api_gateway(self) -> dict[str, Any]:
        return {
            "statusCode": self.status,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps(self.body),
        }


def error(status: int, code: str, message: str) -> HttpResponse:
    return HttpResponse(status, {"error": code, "message": message})


def _decode_body(body: Any, is_base64: bool) -> str:
    if body is None:
        return ""
    if not is_base64:
        text = str(body)
        try:
            text.encode("utf-8")  # lone surrogates (a JSON "\ud800" escape in the event) are not text
        except UnicodeEncodeError:
            raise BadRequest("body is not valid UTF-8 text") from None
        return text
    try:
        return base64.b64decode(str(body), validate=True).decode("utf-8")
    except ValueError as exc:  # binascii.Error, UnicodeDecodeError, and non-ASCII text given as base64
        raise BadRequest(f"body is marked base64 but cannot be decoded: {exc}") from None
