"""Twilio's error answers for the local emulators, and the input checks Twilio's specs call for.

Every refusal is Twilio's JSON error body `{code, message, more_info, status}`. Formats follow the
OpenAPI specs (tests/twilio_oai): SIDs `^XX[0-9a-fA-F]{32}$`, identities 8-64 dash-separated
alphanumerics. Verify answers a malformed one with 400 and its own code (error 60306 lists them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask import Response, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from factor_cleanup.domain.sids import is_verify_identity

INVALID_IDENTITY = 60366  # "Entity invalid or not provided"
# Verify route arguments that carry a SID: (prefix, Twilio's "… SID invalid or not provided" code).
VERIFY_PATH_SIDS = {
    "service_sid": ("VA", 60363),
    "factor_sid": ("YF", 60362),
    "challenge_sid": ("YC", 60364),
    "webhook_sid": ("YW", 60306),
}


class ApiError(Exception):
    """An answer in Twilio's error shape, raised anywhere in a view so handlers stay linear."""

    def __init__(self, status: int, code: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def not_found() -> ApiError:
    """Twilio's 20404 naming the resource this request asked for."""
    path = request.path.removeprefix("/v2").removeprefix("/v1")
    return ApiError(404, 20404, f"The requested resource {path} was not found")


def bad_request(message: str, code: int = 20001) -> ApiError:
    """A 400 invalid-parameter error (20001 unless Twilio has a more precise code)."""
    return ApiError(400, code, message)


def missing(parameter: str) -> ApiError:
    """Twilio's answer to a required parameter left out."""
    return bad_request(f"Missing required parameter {parameter} in the post body")


def error_response(error: ApiError) -> Response:
    """Render an ApiError exactly as Twilio does: code, message, more_info, status."""
    more_info = f"https://www.twilio.com/docs/errors/{error.code}"
    response = jsonify({"code": error.code, "message": error.message, "more_info": more_info, "status": error.status})
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def http_error(exc: HTTPException) -> Response:
    """Answer unknown routes and wrong methods in Twilio's JSON rather than Flask's HTML."""
    if exc.code == 404:
        return error_response(not_found())
    if exc.code == 405:
        return error_response(ApiError(405, 20004, "Method not allowed"))
    status = exc.code or 500
    return error_response(ApiError(status, status, exc.description or HTTP_STATUS_CODES.get(status, "Error")))


def has_sid_shape(value: str, prefix: str) -> bool:
    """The spec's SID pattern, e.g. ^VA[0-9a-fA-F]{32}$."""
    return re.fullmatch(prefix + "[0-9a-fA-F]{32}", value) is not None


def sid_parameter(value: str, name: str, prefix: str, code: int = 20001) -> str:
    """A SID from the query or body, refused with 400 unless it has the spec's shape."""
    if not has_sid_shape(value, prefix):
        raise bad_request(f"Invalid parameter {name}: expected {prefix} followed by 32 hexadecimal digits", code)
    return value


def check_verify_path(view_args: Mapping[str, str]) -> None:
    """Refuse a Verify URL whose identity or SIDs cannot name anything, as Twilio does (400)."""
    identity = view_args.get("identity")
    if identity is not None and not is_verify_identity(identity):
        raise bad_request("Invalid Identity: 8 to 64 dash-separated alphanumeric characters", INVALID_IDENTITY)
    for name, (prefix, code) in VERIFY_PATH_SIDS.items():
        if name in view_args:
            sid_parameter(view_args[name], name, prefix, code)
