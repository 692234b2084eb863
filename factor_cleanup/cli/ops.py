"""Operator commands: `configure-twilio` and `check-signature` (each sets its own `func`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any


def register(commands: Any) -> None:
    configure = commands.add_parser(
        "configure-twilio", help="create or update each Verify Service's webhook to point at push-janitor"
    )
    configure.add_argument(
        "--base-url",
        default=os.environ.get("PUBLIC_BASE_URL", ""),
        help="public base URL of the deployment (default: PUBLIC_BASE_URL)",
    )
    configure.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")
    configure.add_argument(
        "--event-streams",
        action="store_true",
        help="also create an Event Streams webhook sink for error logs -> /twilio/events",
    )
    configure.set_defaults(func=configure_twilio)

    check = commands.add_parser("check-signature", help="explain why a captured webhook's signature fails")
    check.add_argument("--event", required=True, help="API Gateway event JSON (e.g. from a failed request's log)")
    check.add_argument("--url", default="", help="the URL configured in Twilio (default: PUBLIC_BASE_URL + route)")
    check.set_defaults(func=check_signature)

    where = (
        "Tables: SAFETY_TABLE (and LEDGER_TABLE, QUEUE_URL for --replay; REGISTRY_TABLE, LEDGER_TABLE for the "
        "status's counts) with AWS credentials, else `make run`'s."
    )
    status = commands.add_parser(
        "breaker-status",
        description=where,
        help="each Verify Service's breaker, factor count, hourly allowance and held-back deletions",
    )
    status.add_argument("--service", action="append", help="VA… (default: VERIFY_SERVICE_SIDS)")
    status.add_argument("--since", default="24h", help="period for the held-back count (default 24h)")
    status.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    status.set_defaults(func=breaker_status)
    reset = commands.add_parser("breaker-reset", help="close a Verify Service's circuit breaker", description=where)
    reset.add_argument("--service", required=True, help="VA… of the service to let delete again")
    reset.add_argument("--replay", action="store_true", help="re-queue the push failures the breaker held back")
    reset.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    reset.set_defaults(func=breaker_reset)


def configure_twilio(args: argparse.Namespace) -> int:
    from factor_cleanup.adapters.twilio.setup import (
        EventStreamsSetup,
        SetupError,
        VerifyWebhookSetup,
        configure,
        configure_event_streams,
        twilio_client,
    )
    from factor_cleanup.runtime import bootstrap
    from factor_cleanup.runtime.credentials import ConfigurationError

    try:
        settings = bootstrap.load_settings()
    except ConfigurationError as exc:
        return _fail(str(exc))
    if not args.base_url:
        return _fail(
            "give --base-url (the deployment's public URL, e.g. the DebuggerWebhookUrl output without its path)"
        )
    username = settings.twilio_api_key_sid or settings.twilio_account_sid
    password = settings.twilio_api_key_secret if settings.twilio_api_key_sid else settings.twilio_auth_token
    if not (settings.twilio_account_sid and username and password):
        return _fail("set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET)")
    client = twilio_client(
        settings.twilio_account_sid,
        username,
        password,
        settings.twilio_verify_base_url,
        settings.twilio_events_base_url or None,
    )
    try:
        configure(VerifyWebhookSetup(client), sorted(settings.verify_service_sids), args.base_url, args.dry_run)
        if args.event_streams:
            configure_event_streams(EventStreamsSetup(client), args.base_url, args.dry_run)
    except SetupError as exc:
        return _fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - twilio or network errors: say which, without a traceback
        return _fail(f"configuration stopped: {exc}")
    return 0


def check_signature(args: argparse.Namespace) -> int:
    from factor_cleanup.cli.signature_doctor import diagnose
    from factor_cleanup.intake.http import BadRequest, HttpRequest

    try:
        with open(args.event) as handle:
            request = HttpRequest.from_api_gateway(json.load(handle))
    except (OSError, ValueError, BadRequest) as exc:
        return _fail(f"cannot read {args.event}: {exc}")
    tokens = {
        name: os.environ[name] for name in ("TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN_PREVIOUS") if os.environ.get(name)
    }
    if not tokens:
        return _fail("set TWILIO_AUTH_TOKEN (the token of the account whose webhook this is)")
    url = args.url or _configured_url(request)
    verdict = diagnose(request, url, tokens)
    print(verdict.explain())
    return 0 if verdict.valid else 1


def _configured_url(request: Any) -> str:
    from factor_cleanup.intake.signature import public_url

    route = request.route_key.split(" ", 1)[-1]
    return public_url(request.base_url(os.environ.get("PUBLIC_BASE_URL")), route, request.raw_query)


def _fail(message: str) -> int:
    print(f"push-janitor: {message}", file=sys.stderr)
    return 2


def _breaker_store(port: int) -> Any:
    from factor_cleanup.adapters.aws.breaker_store import DynamoDbBreakerStore
    from factor_cleanup.runtime import bootstrap

    if not os.environ.get("SAFETY_TABLE"):
        from factor_cleanup.local.addresses import local_addresses, use_local_aws

        addresses = local_addresses(port)
        if "safety_table" not in addresses:
            raise SystemExit("push-janitor: the local stack does not report its SAFETY_TABLE; set SAFETY_TABLE")
        use_local_aws(addresses)
        for key in ("verify_service_sids", "max_deletions_per_hour", "max_deletions_percent_per_hour"):
            if addresses.get(key):  # the stack's own settings, unless this shell names others
                os.environ.setdefault(key.upper(), addresses[key])
    return DynamoDbBreakerStore(bootstrap.boto3_client("dynamodb"), os.environ["SAFETY_TABLE"])


def breaker_status(args: argparse.Namespace) -> int:
    from factor_cleanup.domain.clock import SystemClock
    from factor_cleanup.reports.build import period_since
    from factor_cleanup.runtime import bootstrap
    from factor_cleanup.runtime.credentials import ConfigurationError
    from factor_cleanup.services.breaker_ops import held_back_counts

    _breaker_store(args.port)  # points this process at the stack's tables (or checks SAFETY_TABLE on AWS)
    services = args.service or [s for s in os.environ.get("VERIFY_SERVICE_SIDS", "").split(",") if s.strip()]
    if not services:
        return _fail("name a service with --service VA… (or set VERIFY_SERVICE_SIDS)")
    try:
        period = period_since(SystemClock(), args.since)
        settings = bootstrap.load_settings()
    except (ValueError, ConfigurationError) as exc:
        return _fail(str(exc))
    app = bootstrap.build_app(settings)
    breaker = app.breaker
    if breaker is None:
        return _fail("set SAFETY_TABLE (stack output SafetyTableName): the breaker's counts live there")
    held = held_back_counts(app.ledger, period) if settings.ledger_table else None
    now, any_open = SystemClock().now(), False
    for service in (s.strip() for s in services):
        status = breaker.status(service, now)
        any_open = any_open or status.state is not None
        print(_status_lines(status, held, args.since, settings.registry_table))
    return 1 if any_open else 0


def _status_lines(status: Any, held: Any, since: str, counted: str) -> str:
    state = status.state
    factors = (
        f"{status.allowance.factors:,}"
        if status.allowance.factors is not None
        else ("not counted (MAX_DELETIONS_PERCENT_PER_HOUR=0)" if counted else "unknown (set REGISTRY_TABLE)")
    )
    held_back = f"{held[status.service_sid]:,}" if held is not None else "unknown (set LEDGER_TABLE)"
    return "\n".join(
        [
            f"{status.service_sid}: " + (f"OPEN since {state.tripped_at}: {state.reason}" if state else "closed"),
            f"  verified push factors: {factors}",
            f"  allowance: {status.allowance.per_hour:,} deletions an hour ({status.allowance.basis()})",
            f"  deletions in the last hour: {status.deletions_last_hour:,}",
            f"  held back (breaker_open) in the last {since}: {held_back}",
        ]
    )


def breaker_reset(args: argparse.Namespace) -> int:
    from factor_cleanup.domain.clock import SystemClock
    from factor_cleanup.runtime import bootstrap
    from factor_cleanup.services.breaker_ops import reset

    store = _breaker_store(args.port)
    ledger = queue = None
    if args.replay:
        app = args.app or bootstrap.build_app()
        ledger, queue = app.ledger, app.work_queue
    state, replayed = reset(store, args.service, SystemClock().now(), ledger, queue)
    if state is None:
        print(f"{args.service}: the breaker was not open; counts cleared")
        return 0
    print(f"{args.service}: breaker closed (it opened at {state.tripped_at}: {state.reason})")
    if args.replay:
        print(f"re-queued {replayed} held-back push failure(s); they are decided again, every check included")
    return 0
