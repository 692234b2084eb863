"""`configure-twilio`: points each Verify Service's webhook at push-janitor, idempotently.

List, then create or update: running it twice changes nothing the second time. The Debugger
webhook is account-wide and has no API, so its URL is printed for the one manual Console step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from factor_cleanup.domain.messages import VERIFY_EVENT_TYPES

FRIENDLY_NAME = "push-janitor"
# Twilio connection overrides: retry up to 3 times on connect/read timeouts and 5xx (not on 4xx:
# a 403 will not fix itself). The server never receives the fragment; see WEBHOOK_URL_FRAGMENT.
RETRY_FRAGMENT = "rc=3&rp=ct,rt,5xx"


class SetupError(RuntimeError):
    """Twilio refused or cannot be reached; the message says what to check."""


@dataclass
class WebhookPlan:
    service_sid: str
    action: str  # "create" | "update" | "unchanged"
    webhook_sid: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        if self.action == "unchanged":
            return f"{self.service_sid}: webhook {self.webhook_sid} already up to date"
        if self.action == "create":
            return f"{self.service_sid}: create webhook -> {self.changes['webhook_url']}"
        changed = ", ".join(f"{k}={v}" for k, v in self.changes.items())
        return f"{self.service_sid}: update webhook {self.webhook_sid} ({changed})"


ERROR_LOG_TYPE = "com.twilio.error-logs.error.logged"
ERROR_LOG_SCHEMA_VERSION = 2
SINK_CHECKS = 20  # reads of a new sink's status before giving up (Twilio's sinks are active at once today)
SINK_CHECK_PAUSE_SECONDS = 0.5


def twilio_client(
    account_sid: str, username: str, password: str, verify_base_url: str, events_base_url: str | None = None
) -> Any:
    from twilio.rest import Client

    client = Client(username, password, account_sid)
    client.verify.base_url = verify_base_url
    client.events.base_url = events_base_url or verify_base_url.replace("verify.", "events.", 1)
    keep_custom_hosts(client, verify_base_url)
    return client


def keep_custom_hosts(client: Any, base_url: str) -> None:
    """TWILIO_REGION/TWILIO_EDGE rewrite hosts as product.edge.region.twilio.com: right for Twilio's
    hosts, nonsense for an emulator or proxy (127.0.0.1 became 127.ie1.0.1), so drop them there."""
    if not base_url.rstrip("/").endswith("twilio.com"):
        client.edge = client.region = None


class SinkNotActive(SetupError):
    """The sink did not become `active` (it `failed`, or was still validating): nothing was subscribed."""

    def __init__(self, sink_sid: str, status: str | None, message: str) -> None:
        super().__init__(message)
        self.sink_sid, self.status = sink_sid, status


class EventStreamsSetup:
    """A webhook sink pointing at /twilio/events and a subscription to error logs, each made once.

    Twilio takes a subscription only to an `active` sink; the spec's other states are `initialized`,
    `validating` and `failed`. So the new sink's status is read until it is active, a bounded number
    of times, and a sink that fails or stays inactive stops the setup with what to do.
    """

    def __init__(self, client: Any, checks: int = SINK_CHECKS, pause_seconds: float = SINK_CHECK_PAUSE_SECONDS) -> None:
        self._events = client.events.v1
        self._checks, self._pause = max(1, checks), pause_seconds

    def plan(self, destination: str) -> list[str]:
        sink = self._sink_for(destination)
        if sink is None:
            return ["create webhook sink", "subscribe it to error logs"]
        if not self._subscribed(sink.sid):
            return [f"subscribe sink {sink.sid} to error logs"]
        return []

    def apply(self, destination: str) -> str:
        sink = self._sink_for(destination) or self._events.sinks.create(
            description=FRIENDLY_NAME,
            sink_type="webhook",
            sink_configuration={"destination": destination, "method": "POST", "batch_events": True},
        )
        self._wait_until_active(sink.sid, destination)
        if not self._subscribed(sink.sid):
            self._events.subscriptions.create(
                description=f"{FRIENDLY_NAME}: error logs",
                sink_sid=sink.sid,
                types=[{"type": ERROR_LOG_TYPE, "schema_version": ERROR_LOG_SCHEMA_VERSION}],
            )
        return sink.sid

    def _wait_until_active(self, sink_sid: str, destination: str) -> None:
        status = None
        for check in range(self._checks):
            status = str(self._events.sinks(sink_sid).fetch().status)
            if status == "active":
                return
            if status == "failed":
                raise SinkNotActive(
                    sink_sid,
                    status,
                    (
                        f"Event Streams sink {sink_sid} failed: Twilio could not validate {destination}. Check that it "
                        "is reachable over HTTPS and answers 200, delete the sink (Console > Event Streams > Manage "
                        "sinks), then run configure-twilio again. Nothing was subscribed."
                    ),
                )
            if check + 1 < self._checks:
                time.sleep(self._pause)
        raise SinkNotActive(
            sink_sid,
            status,
            (
                f"Event Streams sink {sink_sid} is still {status} after {self._checks} checks "
                f"{self._pause:g} s apart; nothing was subscribed. Run configure-twilio again later: it reuses the sink."
            ),
        )

    def _sink_for(self, destination: str) -> Any:
        sinks = self._events.sinks.list()
        return next(
            (
                s
                for s in sinks
                if s.sink_type == "webhook" and (s.sink_configuration or {}).get("destination") == destination
            ),
            None,
        )

    def _subscribed(self, sink_sid: str) -> bool:
        for subscription in self._events.subscriptions.list(sink_sid=sink_sid):
            types = self._events.subscriptions(subscription.sid).subscribed_events.list()
            if any(t.type == ERROR_LOG_TYPE for t in types):
                return True
        return False


class VerifyWebhookSetup:
    def __init__(self, client: Any) -> None:
        self._client = client

    def check_access(self, service_sid: str) -> None:
        """Fetch the service first, so bad credentials or a wrong SID fail before any change."""
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            self._client.verify.v2.services(service_sid).fetch()
        except TwilioRestException as exc:
            if exc.status in (401, 403):
                raise SetupError(
                    "Twilio rejected the credentials (check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN or the API key)"
                ) from None
            if exc.status == 404:
                raise SetupError(f"Verify Service {service_sid} does not exist in this account") from None
            raise SetupError(f"Twilio answered {exc.status} for {service_sid}: {exc.msg}") from None
        except (TwilioException, OSError) as exc:
            raise SetupError(f"cannot reach the Verify API: {exc}") from None

    def plan(self, service_sid: str, webhook_url: str) -> WebhookPlan:
        hooks = list(self._client.verify.v2.services(service_sid).webhooks.list())
        ours = next((h for h in hooks if h.webhook_url == webhook_url), None) or next(
            (h for h in hooks if h.friendly_name == FRIENDLY_NAME), None
        )
        wanted = {
            "webhook_url": webhook_url,
            "event_types": sorted(VERIFY_EVENT_TYPES),
            "status": "enabled",
            "version": "v2",
        }
        if ours is None:
            return WebhookPlan(service_sid, "create", changes=wanted)
        current = {
            "webhook_url": ours.webhook_url,
            "event_types": sorted(ours.event_types or []),
            "status": ours.status,
            "version": ours.version,
        }
        changes = {key: value for key, value in wanted.items() if current[key] != value}
        return WebhookPlan(service_sid, "update" if changes else "unchanged", ours.sid, changes)

    def apply(self, plan: WebhookPlan) -> WebhookPlan:
        webhooks = self._client.verify.v2.services(plan.service_sid).webhooks
        arguments = {
            "event_types": list(VERIFY_EVENT_TYPES),
            "status": "enabled",
            "resource_version": "v2",
            "webhook_url": plan.changes.get("webhook_url"),
        }
        if plan.action == "create":
            created = webhooks.create(friendly_name=FRIENDLY_NAME, **arguments)
            plan.webhook_sid = created.sid
        elif plan.action == "update":
            arguments = {k: v for k, v in arguments.items() if v is not None}
            webhooks(plan.webhook_sid).update(friendly_name=FRIENDLY_NAME, **arguments)
        return plan


def configure_event_streams(
    setup: EventStreamsSetup, base_url: str, dry_run: bool, say: Callable[[str], None] = print
) -> list[str]:
    """Make Event Streams deliver error logs to /twilio/events (all regions; retried for hours)."""
    destination = f"{base_url.rstrip('/')}/twilio/events"
    steps = setup.plan(destination)
    if steps and not dry_run:
        setup.apply(destination)
    for step in steps or ["Event Streams sink and error-log subscription already in place"]:
        say(("[dry run] " if dry_run and steps else "") + f"event streams: {step} -> {destination}")
    return steps


def configure(
    setup: VerifyWebhookSetup, service_sids: list[str], base_url: str, dry_run: bool, say: Callable[[str], None] = print
) -> list[WebhookPlan]:
    """Check every service, then bring each one's webhook in line; print what was (or would be) done."""
    if not service_sids:
        raise SetupError("VERIFY_SERVICE_SIDS is empty: name the Verify Services to configure")
    base = base_url.rstrip("/")
    for sid in service_sids:
        setup.check_access(sid)
    plans = []
    for sid in service_sids:
        plan = setup.plan(sid, f"{base}/twilio/verify")
        if not dry_run:
            setup.apply(plan)
        say(("[dry run] " if dry_run else "") + plan.describe())
        plans.append(plan)
    say("")
    say("One manual step: Twilio Console > Monitor > Debugger > Webhook, method POST, URL:")
    say(f"  {base}/twilio/debugger#{RETRY_FRAGMENT}")
    say(
        f"(the #{RETRY_FRAGMENT} part asks Twilio to retry timeouts and 5xx; keep WEBHOOK_URL_FRAGMENT={RETRY_FRAGMENT})"
    )
    return plans
