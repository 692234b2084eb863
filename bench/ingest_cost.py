"""Item 1: CPU cost of one Debugger webhook through the ingest handler, queue I/O excluded.

The handler is handlers/ingest.py's one line of work over the app `bootstrap.build_app` builds from the
environment, given a queue that builds the SQS message body and drops it. The floor
is twilio's `RequestValidator.validate` alone on the same URL, parameters and signature: no receiver can
check a Twilio signature for less. Both loops run interleaved in one process, best of several repeats.
"""

from __future__ import annotations

import json
import os
from typing import Any

from bench.common import AUTH_TOKEN, Result, best_per_call, fmt_ratio, offline_environment, quiet_logs

TITLE = "Ingest cost per event"
TARGET = 3.0
BASE_URL = "https://hooks.example.com"


class SerializeOnlyQueue:
    """A WorkQueue that does everything SqsWorkQueue.send does except the SQS call."""

    def __init__(self) -> None:
        self.sent = 0
        self.last = ""

    def send(self, message: Any) -> None:
        self.last = message.model_dump_json(exclude_none=True)
        self.sent += 1

    def send_batch(self, messages: Any) -> list[Any]:
        for message in messages:
            self.send(message)
        return []

    def delay_retry(self, receipt_handle: str, seconds: int) -> None:
        """Never called: the ingest function receives nothing."""


def signed_event(account_sid: str) -> tuple[dict[str, Any], str, str]:
    """A realistic signed Debugger webhook as API Gateway hands it over: (event, url, signature)."""
    from factor_cleanup.local.demo import demo_debugger_params
    from factor_cleanup.local.events import api_gateway_event
    from factor_cleanup.local.signing import signed_form

    url = f"{BASE_URL}/twilio/debugger"
    params = demo_debugger_params()
    params["AccountSid"] = account_sid
    body, headers = signed_form(url, params, AUTH_TOKEN)
    event = api_gateway_event("POST", "/twilio/debugger", body=body, headers=headers, domain="hooks.example.com")
    return event, url, headers["X-Twilio-Signature"]


def run(quick: bool = False) -> Result:
    result = Result("ingest", TITLE, target=f"<= {TARGET:g}x")
    with offline_environment(PUBLIC_BASE_URL=BASE_URL), quiet_logs():
        _measure(result, quick)
    return result


def _measure(result: Result, quick: bool) -> None:
    import structlog
    from twilio.request_validator import RequestValidator

    from factor_cleanup.intake.debugger import parse_debugger_form, to_push_failure
    from factor_cleanup.intake.http import HttpRequest
    from factor_cleanup.intake.signature import FormParams
    from factor_cleanup.runtime import bootstrap, http_function, logs

    queue = SerializeOnlyQueue()
    app = bootstrap.build_app(work_queue=queue)
    service = app.ingest
    event, url, signature = signed_event(app.settings.twilio_account_sid)
    request = HttpRequest.from_api_gateway(event)
    params = FormParams.parse(request.body)
    validator = RequestValidator(AUTH_TOKEN)

    def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:  # handlers/ingest.py's line, on this app
        return http_function.answer(event, lambda: service, log_as="webhook_answered")

    answer = handler(event, None)
    if answer["statusCode"] != 200 or json.loads(answer["body"])["status"] != "queued" or not queue.sent:
        raise RuntimeError(f"the signed sample was not queued: {answer}")
    if not validator.validate(url, params, signature):
        raise RuntimeError("RequestValidator rejects the sample signature")

    number, repeat = (300, 3) if quick else (3000, 7)
    core_best = handler_best = floor_best = float("inf")
    for _ in range(repeat):  # interleaved, so drift hits both sides alike
        core_best = min(
            core_best, best_per_call(lambda: service.handle(HttpRequest.from_api_gateway(event)), number, 1)
        )
        floor_best = min(floor_best, best_per_call(lambda: validator.validate(url, params, signature), number, 1))
        handler_best = min(handler_best, best_per_call(lambda: handler(event, None), number, 1))

    # As deployed: LOG_LEVEL=INFO writes one JSON line per event (here into /dev/null).
    with open(os.devnull, "w") as sink:
        logs.configure("INFO")
        structlog.configure(logger_factory=structlog.PrintLoggerFactory(sink))
        with_log = best_per_call(lambda: handler(event, None), number, repeat)
        logs.configure("WARNING")
        structlog.configure(logger_factory=structlog.PrintLoggerFactory(sink))

    first = params.first()
    parsed = parse_debugger_form(first)
    failure = to_push_failure(parsed)
    stages = {
        "decode API Gateway event": lambda: HttpRequest.from_api_gateway(event),
        "parse form body (parse_qs)": lambda: FormParams.parse(request.body),
        "signature check (SignatureChecker)": lambda: service.signatures.is_valid_form(url, params, signature),
        "validate Debugger fields (pydantic)": lambda: parse_debugger_form(first),
        "correlationIds -> PushFailure": lambda: to_push_failure(parsed),
        "queue message body (model_dump_json)": lambda: failure.model_dump_json(exclude_none=True),
    }
    breakdown = {name: best_per_call(func, number, max(3, repeat // 2)) for name, func in stages.items()}

    ratio = core_best / floor_best
    result.figure = f"{core_best * 1e6:.1f} µs/event"
    result.floor = f"RequestValidator.validate {floor_best * 1e6:.1f} µs"
    result.ratio = fmt_ratio(ratio)
    result.met = ratio <= TARGET
    result.data.update(
        core_us=core_best * 1e6,
        handler_us=handler_best * 1e6,
        floor_us=floor_best * 1e6,
        with_log_us=with_log * 1e6,
        body_bytes=len(request.body),
        message_bytes=len(queue.last),
    )
    result.say(
        f"IngestService.handle(HttpRequest.from_api_gateway(event)), queue body built, not sent: {core_best * 1e6:6.1f} µs"
    )
    result.say(
        f"floor: RequestValidator.validate(url, params, signature) on the same request:        {floor_best * 1e6:6.1f} µs"
    )
    result.say(
        f"ratio {ratio:.2f}x (target <= {TARGET:g}x); {len(request.body)} B form body -> {len(queue.last)} B message"
    )
    result.say(
        f"whole Lambda handler (handlers.ingest.handler, response JSON included):              {handler_best * 1e6:6.1f} µs"
    )
    result.say(
        f"  as deployed with LOG_LEVEL=INFO (one JSON log line, into /dev/null):                {with_log * 1e6:6.1f} µs"
    )
    result.say(
        f"parse_qs + validate, the least any receiver does: {(breakdown['parse form body (parse_qs)'] + floor_best) * 1e6:.1f} µs "
        f"-> {core_best / (breakdown['parse form body (parse_qs)'] + floor_best):.2f}x of that"
    )
    result.say("stages, each timed alone:")
    for name, seconds in breakdown.items():
        result.say(f"  {name:40s} {seconds * 1e6:7.1f} µs")


if __name__ == "__main__":
    from bench.__main__ import main

    main(["--only", "ingest"])
