"""Local emulator of the Twilio Verify v2 REST API subset push-janitor uses, so it runs and is tested offline.

Routes mirror https://verify.twilio.com/v2/... (see verify_emulator_api); twilio-python reaches them after
`client.verify.base_url = "http://127.0.0.1:<port>"`. tests/unit/test_emulator_spec.py holds every answer to
Twilio's OpenAPI spec (tests/twilio_oai). `/_emulator/*` are test controls, not Twilio's API.
Standalone: `python -m factor_cleanup.local.verify_emulator --port 8081` serves the demo data.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server

from factor_cleanup.domain.sids import is_sid, is_verify_identity
from factor_cleanup.domain.timestamps import parse_iso_or_none
from factor_cleanup.local.verify_emulator_api import api, current_state
from factor_cleanup.local.verify_emulator_errors import ApiError, error_response, http_error
from factor_cleanup.local.verify_emulator_state import (
    DEMO_ACCOUNT_SID,
    DEMO_DEAD_FACTOR_SID,
    DEMO_IDENTITY,
    DEMO_IOS_STALE_FACTOR_SID,
    DEMO_LIVE_FACTOR_SID,
    DEMO_SERVICE_SID,
    EmulatorState,
    Faults,
    seed_demo,
)

__all__ = [
    "DEMO_ACCOUNT_SID",
    "DEMO_DEAD_FACTOR_SID",
    "DEMO_IDENTITY",
    "DEMO_IOS_STALE_FACTOR_SID",
    "DEMO_LIVE_FACTOR_SID",
    "DEMO_SERVICE_SID",
    "EmulatorState",
    "Faults",
    "create_emulator_app",
    "main",
    "seed_demo",
]

controls = Blueprint("emulator_controls", __name__, url_prefix="/_emulator")


@controls.get("/state")
def emulator_state() -> Response:
    """Show factors, DELETE counts and peak concurrency, for tests in other processes and demos."""
    return jsonify(current_state().snapshot())


@controls.route("/faults", methods=["GET", "POST"])
def emulator_faults() -> tuple[Response, int]:
    """Show or replace the injected latency and errors (POST with no fields clears them)."""
    if request.method == "GET":
        return jsonify(dataclasses.asdict(current_state().faults)), 200
    body: Any = request.get_json(silent=True) or {}
    known = {f.name for f in dataclasses.fields(Faults)}
    if not isinstance(body, dict) or set(body) - known:
        return jsonify({"error": f"expected a JSON object with keys among {sorted(known)}"}), 400
    try:
        return jsonify(dataclasses.asdict(current_state().set_faults(**body))), 200
    except (TypeError, ValueError) as exc:
        return jsonify({"error": str(exc)}), 400


@controls.post("/factors")
def emulator_add_factors() -> tuple[Response, int]:
    """Enrol factors without an app: a JSON object or list of {"service_sid", "identity", "platform"?,
    "date_created"? (ISO 8601; default now)} (load tests)."""
    body: Any = request.get_json(silent=True)
    wanted = body if isinstance(body, list) else [body]
    if not wanted or not all(
        isinstance(item, dict)
        and isinstance(item.get("service_sid"), str)
        and is_verify_identity(str(item.get("identity", "")))
        and (item.get("date_created") is None or parse_iso_or_none(str(item["date_created"])) is not None)
        for item in wanted
    ):
        return jsonify(
            {
                "error": 'expected {"service_sid": "VA…", "identity": "<8-64 dash-separated alphanumerics>",'
                ' "date_created"?: "<ISO 8601>"} or a list of them'
            }
        ), 400
    emulator = current_state()
    unknown = sorted({item["service_sid"] for item in wanted if emulator.service(item["service_sid"]) is None})
    if unknown:
        return jsonify({"error": f"no such service: {', '.join(unknown)}"}), 404
    created = [
        emulator.add_factor(
            item["service_sid"],
            item["identity"],
            str(item.get("platform", "fcm")),
            created=parse_iso_or_none(str(item["date_created"])) if item.get("date_created") else None,
        )
        for item in wanted
    ]
    return jsonify([{key: factor[key] for key in ("sid", "service_sid", "identity")} for factor in created]), 201


@controls.post("/reset")
def emulator_reset() -> Response:
    """Forget everything; with {"seed_demo": true} load the demo data again."""
    emulator = current_state()
    body: Any = request.get_json(silent=True) or {}
    emulator.reset()
    if isinstance(body, dict) and body.get("seed_demo"):
        seed_demo(emulator, body.get("account_sid") or DEMO_ACCOUNT_SID)
    return jsonify(emulator.snapshot())


def create_emulator_app(state: EmulatorState) -> Flask:
    """Build the emulator app over `state`, which callers keep to seed, inspect and steer it."""
    app = Flask(__name__, static_folder=None)
    app.extensions["verify_emulator"] = state
    app.register_blueprint(api)
    app.register_blueprint(controls)
    from factor_cleanup.local import events_emulator  # Event Streams (/v1), for configure-twilio

    events_emulator.register(app)
    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(HTTPException, http_error)
    return app


def main(argv: list[str] | None = None) -> None:
    """Serve the demo data until interrupted, for a quick manual check of push-janitor."""
    parser = argparse.ArgumentParser(description="Local Twilio Verify v2 emulator seeded with demo data.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port (printed at start-up)")
    parser.add_argument("--account-sid", help="Basic auth username to accept (account SID or API key SID)")
    parser.add_argument("--auth-token", help="Basic auth password to accept")
    args = parser.parse_args(argv)
    if bool(args.account_sid) != bool(args.auth_token):
        parser.error("give --account-sid and --auth-token together, or neither")
    state = EmulatorState({(args.account_sid, args.auth_token)} if args.account_sid else ())
    seed_demo(state, args.account_sid if args.account_sid and is_sid(args.account_sid, "AC") else DEMO_ACCOUNT_SID)
    server = make_server(args.host, args.port, create_emulator_app(state), threaded=True)
    accepted = (
        f"only {args.account_sid}:<auth token>"
        if args.account_sid
        else "ANY non-empty Basic auth pair (no --account-sid/--auth-token given)"
    )
    print(
        f"Verify emulator on http://{args.host}:{server.server_port} (demo service {DEMO_SERVICE_SID}, "
        f"identity {DEMO_IDENTITY}); accepting {accepted}",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
