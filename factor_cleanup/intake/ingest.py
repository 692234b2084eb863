"""Webhook intake: authenticate, validate, enqueue, and only then acknowledge.

The Debugger route's modules load with this one; the Verify, Event Streams and app-activity routes load
theirs on their first request, so a cold start pays for the path it runs (README "Performance").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import structlog

from factor_cleanup.domain.clock import SystemClock
from factor_cleanup.domain.messages import PushFailure, QueueMessage
from factor_cleanup.domain.ports import Clock, QueueUnavailable, WorkQueue
from factor_cleanup.intake.app_activity import SIGNATURE_HEADER, TIMESTAMP_HEADER, ActivityAuthenticator
from factor_cleanup.intake.debugger import MalformedEvent, parse_debugger_form, to_push_failure
from factor_cleanup.intake.http import HttpRequest, HttpResponse, error
from factor_cleanup.intake.signature import FormParams, SignatureChecker, public_url

if TYPE_CHECKING:
    from factor_cleanup.domain.messages import PushFailure, QueueMessage
    from factor_cleanup.intake.app_activity import ActivityAuthenticator

log = structlog.get_logger(__name__)

DEBUGGER_ROUTE = "/twilio/debugger"
VERIFY_ROUTE = "/twilio/verify"
ACTIVITY_ROUTE = "/app/activity"
EVENTS_ROUTE = "/twilio/events"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MAX_BODY_BYTES = 200_000  # an SQS message holds 256 KiB; a debugger webhook is a few KiB
MAX_ACTIVITY_BYTES = 4_096  # an activity report is a few hundred bytes
MAX_EVENTS_BYTES = 5_000_000  # an Event Streams batch; each event becomes its own queue message


@dataclass
class IngestService:
    queue: WorkQueue
    signatures: SignatureChecker
    account_sid: str
    public_base_url: str | None = None
    activity: ActivityAuthenticator | None = None
    """None when no APP_ACTIVITY_SECRET is configured: POST /app/activity is then off (404)."""
    clock: Clock = field(default_factory=SystemClock)
    activity_queue: WorkQueue | None = None
    """Where activity reports go: a queue of their own, whose consumer can only move last_seen forward."""

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Route by API Gateway route key (`POST /twilio/debugger`, …); unknown routes get a JSON 404."""
        routes = {
            f"POST {DEBUGGER_ROUTE}": self.debugger_webhook,
            f"POST {VERIFY_ROUTE}": self.verify_webhook,
            f"POST {ACTIVITY_ROUTE}": self.app_activity,
            f"POST {EVENTS_ROUTE}": self.event_streams_webhook,
        }
        route = routes.get(request.route_key)
        if route is None:
            return error(404, "no_such_route", f"no route {request.route_key!r}; try one of: {', '.join(routes)}")
        return route(request)

    def debugger_webhook(self, request: HttpRequest) -> HttpResponse:
        if len(request.body.encode("utf-8")) > MAX_BODY_BYTES:
            return error(413, "body_too_large", f"body exceeds {MAX_BODY_BYTES} bytes")
        if request.media_type != FORM:
            got = request.media_type or "none"
            return error(415, "unsupported_media_type", f"expected {FORM}, got {got}")
        params = FormParams.parse(request.body)
        url = public_url(request.base_url(self.public_base_url), DEBUGGER_ROUTE, request.raw_query)
        signature = request.header("x-twilio-signature")
        if not self.signatures.is_valid_form(
            url, params, signature, request.header("x-twilio-webhooks-signature-settings")
        ):
            log.warning("signature_rejected", url=url, has_signature=bool(signature))
            reason = "missing X-Twilio-Signature header" if not signature else f"signature does not match {url}"
            return error(403, "invalid_signature", reason)
        try:
            event = parse_debugger_form(params.first())
        except MalformedEvent as exc:
            return error(400, "malformed_event", str(exc))
        if self.account_sid not in (event.account_sid, event.parent_account_sid):
            return error(403, "wrong_account", f"AccountSid {event.account_sid} is not this deployment's account")
        failure = to_push_failure(event)
        if failure is None:
            log.info("debugger_event_ignored", event_sid=event.sid, error_code=event.payload.error_code)
            return HttpResponse(
                200, {"status": "ignored", "event_sid": event.sid, "reason": "not a Verify Push failure"}
            )
        try:
            self.queue.send(failure)
        except QueueUnavailable as exc:
            log.error("queue_unavailable", event_sid=event.sid, error=str(exc))
            return error(503, "queue_unavailable", "event not accepted; Twilio should retry")
        log.info("event_queued", source="debugger", event_sid=event.sid, factor_sid=failure.factor_sid)
        return HttpResponse(200, {"status": "queued", "event_sid": event.sid})

    def verify_webhook(self, request: HttpRequest) -> HttpResponse:
        """Verify Service webhook, form-encoded or JSON; exactly 200 once queued (else Twilio logs error 60330)."""
        from factor_cleanup.intake.verify_webhook import parse_verify_webhook, to_verify_event

        if len(request.body.encode("utf-8")) > MAX_BODY_BYTES:
            return error(413, "body_too_large", f"body exceeds {MAX_BODY_BYTES} bytes")
        url = public_url(request.base_url(self.public_base_url), VERIFY_ROUTE, request.raw_query)
        signature, settings = (
            request.header("x-twilio-signature"),
            request.header("x-twilio-webhooks-signature-settings"),
        )
        if request.media_type == FORM:
            params = FormParams.parse(request.body)
            valid, data = self.signatures.is_valid_form(url, params, signature, settings), params.first()
        elif request.media_type == JSON:
            valid, data = self.signatures.is_valid_json(url, request.body, signature, settings), None
        else:
            return error(
                415, "unsupported_media_type", f"expected {FORM} or {JSON}, got {request.media_type or 'none'}"
            )
        if not valid:
            log.warning("signature_rejected", url=url, has_signature=bool(signature))
            return error(403, "invalid_signature", _signature_problem(url, signature, request.media_type))
        try:
            webhook = parse_verify_webhook(data if data is not None else _json_object(request.body))
            event = to_verify_event(webhook, self.clock.now())
        except MalformedEvent as exc:
            return error(400, "malformed_event", str(exc))
        if webhook.account_sid and webhook.account_sid != self.account_sid:
            return error(403, "wrong_account", f"account_sid {webhook.account_sid} is not this deployment's account")
        if event is None:
            log.info("verify_event_ignored", uuid=webhook.uuid, type=webhook.type)
            return HttpResponse(
                200, {"status": "ignored", "uuid": webhook.uuid, "reason": f"event type {webhook.type}"}
            )
        return self._enqueue(event, 200, {"status": "queued", "uuid": event.event_id, "type": event.type})

    def app_activity(self, request: HttpRequest) -> HttpResponse:
        """App-open report from the customer's backend, authenticated by an HMAC of the body."""

        if self.activity is None:
            return error(
                404,
                "app_activity_disabled",
                "POST /app/activity is off: configure APP_ACTIVITY_SECRET (or _PARAMETER) to turn it on",
            )
        if len(request.body.encode("utf-8")) > MAX_ACTIVITY_BYTES:
            return error(413, "body_too_large", f"body exceeds {MAX_ACTIVITY_BYTES} bytes")
        if request.media_type != JSON:
            return error(415, "unsupported_media_type", f"expected {JSON}, got {request.media_type or 'none'}")
        problem = self.activity.problem(
            request.body, request.header(SIGNATURE_HEADER), request.header(TIMESTAMP_HEADER)
        )
        if problem:
            log.warning("activity_signature_rejected", problem=problem)
            return error(401, "invalid_signature", problem)
        try:
            activity = self.activity.parse(request.body)
        except MalformedEvent as exc:
            return error(400, "malformed_activity", str(exc))
        if self.activity_queue is None:
            return error(
                503, "configuration_error", "POST /app/activity needs ACTIVITY_QUEUE_URL; nothing was accepted"
            )
        return self._enqueue(activity, 202, {"status": "queued", "event_id": activity.event_id}, self.activity_queue)

    def event_streams_webhook(self, request: HttpRequest) -> HttpResponse:
        """Event Streams webhook sink: a signed JSON array of CloudEvents; keep the good, name the bad."""
        from factor_cleanup.intake.event_streams import parse_batch

        if len(request.body.encode("utf-8")) > MAX_EVENTS_BYTES:
            return error(413, "body_too_large", f"body exceeds {MAX_EVENTS_BYTES} bytes")
        if request.media_type != JSON:
            return error(415, "unsupported_media_type", f"expected {JSON}, got {request.media_type or 'none'}")
        url = public_url(request.base_url(self.public_base_url), EVENTS_ROUTE, request.raw_query)
        signature = request.header("x-twilio-signature")
        if not self.signatures.is_valid_json(
            url, request.body, signature, request.header("x-twilio-webhooks-signature-settings")
        ):
            log.warning("signature_rejected", url=url, has_signature=bool(signature))
            return error(403, "invalid_signature", _signature_problem(url, signature, JSON))
        try:
            batch = parse_batch(request.body)
        except MalformedEvent as exc:
            return error(400, "malformed_event", str(exc))
        ours = []
        for failure in batch.failures:
            if failure.account_sid != self.account_sid:
                batch.rejected.append({"id": failure.event_id, "error": f"account {failure.account_sid} is not ours"})
            else:
                ours.append(failure)
        queued, not_queued = self._enqueue_batch(ours)
        if not_queued:
            problem = error(
                503, "queue_unavailable", f"{len(queued)} of {len(ours)} events queued; Event Streams retries the batch"
            )
            return HttpResponse(503, {**problem.body, "queued": queued, "not_queued": not_queued})
        return HttpResponse(200, {"queued": queued, "ignored": batch.ignored, "rejected": batch.rejected})

    def _enqueue_batch(self, failures: list[PushFailure]) -> tuple[list[str], list[str]]:
        """(event ids SQS stored, event ids it did not). Only stored ones are ever reported as queued.

        A 503 makes Event Streams send the whole batch again, events already stored included. That is
        harmless: a message's event_id is the error log's NO sid, the worker's idempotency key, so a
        re-queued copy (like the same failure through the Debugger webhook) gets the first decision back.
        """
        unqueued = self.queue.send_batch(failures)
        refused = {item.message.event_id for item in unqueued}
        queued = [failure for failure in failures if failure.event_id not in refused]
        for failure in queued:
            log.info("event_queued", source="event_streams", event_sid=failure.event_id, factor_sid=failure.factor_sid)
        if unqueued:
            log.error("queue_unavailable", queued=len(queued), not_queued=len(unqueued), error=unqueued[0].reason)
        return [failure.event_id for failure in queued], sorted(refused)

    def _enqueue(self, message: QueueMessage, status: int, body: dict, queue: WorkQueue | None = None) -> HttpResponse:
        """Acknowledge only once the queue holds the message."""
        try:
            (queue or self.queue).send(message)
        except QueueUnavailable as exc:
            log.error("queue_unavailable", event_id=message.event_id, error=str(exc))
            return error(503, "queue_unavailable", "event not accepted; retry later")
        log.info("event_queued", source=message.kind, event_id=message.event_id, factor_sid=message.factor_sid)
        return HttpResponse(status, body)


def _json_object(body: str) -> dict:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
        raise MalformedEvent(f"body is not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise MalformedEvent("body must be a JSON object")
    return data


def _signature_problem(url: str, signature: str | None, media_type: str) -> str:
    if not signature:
        return "missing X-Twilio-Signature header"
    if media_type == JSON and "bodySHA256=" not in url:
        return f"a JSON body needs bodySHA256 in the signed URL; got {url}"
    return f"signature does not match {url}"
