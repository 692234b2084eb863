"""Webhook intake: authenticate, validate, enqueue, and only then acknowledge."""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from factor_cleanup.debugger import MalformedEvent, parse_debugger_form, to_push_failure
from factor_cleanup.http import HttpRequest, HttpResponse, error
from factor_cleanup.ports import QueueUnavailable, WorkQueue
from factor_cleanup.signature import FormParams, SignatureChecker, public_url

log = structlog.get_logger(__name__)

DEBUGGER_ROUTE = "/twilio/debugger"
FORM = "application/x-www-form-urlencoded"
MAX_BODY_BYTES = 200_000  # an SQS message holds 256 KiB; a debugger webhook is a few KiB


@dataclass
class IngestService:
    queue: WorkQueue
    signatures: SignatureChecker
    account_sid: str
    public_base_url: str | None = None

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Route by API Gateway route key (`POST /twilio/debugger`); unknown routes get a JSON 404."""
        routes = {f"POST {DEBUGGER_ROUTE}": self.debugger_webhook}
        route = routes.get(request.route_key)
        if route is None:
            return error(404, "no_such_route", f"no route {request.route_key!r}; try POST {DEBUGGER_ROUTE}")
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
        if not self.signatures.is_valid_form(url, params, signature, request.header("x-twilio-webhooks-signature-settings")):
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
            return HttpResponse(200, {"status": "ignored", "event_sid": event.sid, "reason": "not a Verify Push failure"})
        try:
            self.queue.send(failure)
        except QueueUnavailable as exc:
            log.error("queue_unavailable", event_sid=event.sid, error=str(exc))
            return error(503, "queue_unavailable", "event not accepted; Twilio should retry")
        log.info("event_queued", source="debugger", event_sid=event.sid, factor_sid=failure.factor_sid)
        return HttpResponse(200, {"status": "queued", "event_sid": event.sid})
