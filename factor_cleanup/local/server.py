"""Flask in front of the Lambda handlers: each request becomes the API Gateway event Lambda would get.

No route here has logic of its own except `/healthz`, which reports on the local stack itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, request

from factor_cleanup.local.events import LocalLambdaContext, api_gateway_event

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def create_app(routes: Mapping[tuple[str, str], LambdaHandler], health: Callable[[], dict[str, Any]]) -> Flask:
    """`routes` maps (METHOD, path) to a handler function, exactly as the HTTP API routes do."""
    app = Flask("push-janitor-local")

    @app.get("/healthz")
    def healthz() -> Response:
        status = health()
        return _json(200 if status.get("ready") else 503, status)

    for (method, path), handler in routes.items():
        app.add_url_rule(path, f"{method} {path}", _invoker(method, path, handler), methods=[method])

    @app.errorhandler(404)
    def not_found(_: Exception) -> Response:
        known = sorted(f"{m} {p}" for m, p in routes) + ["GET /healthz"]
        return _json(404, {"error": "no_such_route", "message": f"try one of: {', '.join(known)}"})

    @app.errorhandler(405)
    def wrong_method(_: Exception) -> Response:
        return _json(
            405, {"error": "method_not_allowed", "message": f"{request.method} is not allowed on {request.path}"}
        )

    return app


def _invoker(method: str, path: str, handler: LambdaHandler) -> Callable[[], Response]:
    def invoke() -> Response:
        event = api_gateway_event(
            method,
            path,
            body=request.get_data(cache=False),
            headers=dict(request.headers),
            query=request.query_string.decode("latin-1"),
            domain=request.host.split(":")[0],
        )
        result = handler(event, LocalLambdaContext(timeout_seconds=30))
        headers = result.get("headers") or {}
        return Response(result.get("body", ""), status=result.get("statusCode", 200), headers=headers)

    return invoke


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
