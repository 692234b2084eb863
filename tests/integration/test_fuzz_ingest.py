"""Fuzzing the intake: handlers.ingest.handler with API Gateway events, queueing on moto SQS.

Routes: POST /twilio/debugger (Debugger webhooks), POST /twilio/verify (Verify webhooks, form or JSON),
POST /app/activity (HMAC-signed app activity). For every input: the handler neither raises nor answers
5xx (503 only while the queue really is down); every answer other than 200/202 is a 4xx with a JSON
{"error", "message"}; the queue receives a message only for a validly signed, well-formed event, and
that message parses back with parse_message. Signed inputs are built with Twilio's own RequestValidator
(and the activity HMAC), so the fuzz reaches past the signature checks.

Example counts come from a hypothesis profile: `fuzz-quick` (default, `make test`) or
`FUZZ_PROFILE=fuzz-deep .venv/bin/python -m pytest tests/integration/test_fuzz_ingest.py`. The number of inputs
tried and the answers given are printed in the run's terminal summary.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st
from moto import mock_aws
from twilio.request_validator import RequestValidator

import handlers.ingest
from factor_cleanup.domain import sids
from factor_cleanup.domain.messages import parse_message
from factor_cleanup.intake.app_activity import SIGNATURE_HEADER, TIMESTAMP_HEADER, activity_signature
from factor_cleanup.intake.ingest import MAX_BODY_BYTES
from factor_cleanup.intake.verify_webhook import EVENT_TYPES
from factor_cleanup.local.events import api_gateway_event
from factor_cleanup.local.signing import signed_form, signed_json
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, BASE_URL, CHALLENGE_SID, FACTOR_SID, IDENTITY, SERVICE_SID
from tests.summary import show_at_end

_RELAXED = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]
# make test runs the same 1,000 inputs every time (CI must not flake); fuzz-deep explores new ones.
settings.register_profile(
    "fuzz-quick", max_examples=250, deadline=None, suppress_health_check=_RELAXED, derandomize=True
)
settings.register_profile("fuzz-deep", max_examples=3000, deadline=None, suppress_health_check=_RELAXED)
FUZZ = settings(settings.get_profile(os.environ.get("FUZZ_PROFILE", "fuzz-quick")))

ROUTE = "/twilio/debugger"
VERIFY_ROUTE = "/twilio/verify"
ACTIVITY_ROUTE = "/app/activity"
ACTIVITY_SECRET = "fuzz-activity-secret"
FORM = "application/x-www-form-urlencoded"
FORM_TYPES = [FORM, FORM + "; charset=utf-8", "Application/X-WWW-Form-URLEncoded", f" {FORM} ;charset=UTF-8"]
OTHER_TYPES = ["", "application/json", "text/plain", "multipart/form-data; boundary=x", FORM + "-x", ";", "\x00"]
QUOTES = ["", '"', "'", "`"]
PADDING = ["", " ", "  ", "\t", "\n "]
NOISE_PREFIXES = ["VA", "YF", "YC", "YE", "NO", "BS", "RQ", "NT", "AC"]
TALLY: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _figures(request):
    def render() -> str:
        tried = sum(v for k, v in TALLY.items() if k.startswith("tried:"))
        answers = ", ".join(f"{k[7:]} {v}" for k, v in sorted(TALLY.items()) if k.startswith("answer:"))
        queued = (
            f"{TALLY['queued']} queued: {TALLY['exact']} read exactly as sent, {TALLY['ambiguous']} flagged ambiguous"
        )
        return f"fuzz ingest: {tried} inputs tried ({queued}); answers: {answers}" if tried else ""

    show_at_end(request.config, "fuzz-ingest", render)


# --- the system under test: the Lambda handler over a moto queue -------------------------------------------
class Intake:
    def __init__(self, sqs: Any, queue_url: str, activity_queue_url: str) -> None:
        self.sqs = sqs
        self.queue_urls = {"QUEUE_URL": queue_url, "ACTIVITY_QUEUE_URL": activity_queue_url}
        self.missing_queue_url = queue_url.rsplit("/", 1)[0] + "/no-such-queue"

    def post(self, event: dict[str, Any], *, queue_down: bool = False) -> tuple[dict[str, Any], list[str]]:
        """Call the handler as Lambda would (fresh configuration each time); return its answer and what was queued."""
        handlers.ingest.app.reset()
        for variable, url in self.queue_urls.items():
            os.environ[variable] = self.missing_queue_url if queue_down else url
        answer = handlers.ingest.handler(event, None)
        return answer, self.drain()

    def drain(self) -> list[str]:
        """What either queue (work, activity) holds now, emptied."""
        return [body for url in self.queue_urls.values() for body in self._drain(url)]

    def _drain(self, queue_url: str) -> list[str]:
        bodies = []
        while True:
            got = self.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            messages = got.get("Messages", [])
            if not messages:
                return bodies
            for message in messages:
                bodies.append(message["Body"])
                self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture(scope="module")
def intake():
    with pytest.MonkeyPatch.context() as env, mock_aws():
        for name in (
            "TWILIO_AUTH_TOKEN_PARAMETER",
            "TWILIO_AUTH_TOKEN_PREVIOUS",
            "WEBHOOK_URL_FRAGMENT",
            "AWS_ENDPOINT_URL",
        ):
            env.delenv(name, raising=False)
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="fuzz-work-queue")["QueueUrl"]
        activity_url = sqs.create_queue(QueueName="fuzz-activity-queue")["QueueUrl"]
        env.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
        env.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
        env.setenv("PUBLIC_BASE_URL", BASE_URL)
        env.setenv("QUEUE_URL", url)
        env.setenv("ACTIVITY_QUEUE_URL", activity_url)
        env.setenv("APP_ACTIVITY_SECRET", ACTIVITY_SECRET)
        env.delenv("APP_ACTIVITY_SECRET_PARAMETER", raising=False)
        yield Intake(sqs, url, activity_url)
        handlers.ingest.app.reset()


def checked_answer(kind: str, answer: dict[str, Any], queued: list[str], queue_down: bool) -> tuple[int, dict]:
    """The properties every input must satisfy, whatever it is; returns (status, body) for finer checks."""
    status = answer["statusCode"]
    body = json.loads(answer["body"])
    TALLY[f"tried:{kind}"] += 1
    TALLY[f"answer:{status} {body.get('error') or body.get('status')}"] += 1
    TALLY["queued"] += len(queued)
    assert isinstance(body, dict) and answer["headers"]["Content-Type"] == "application/json"
    accepted = status in (200, 202)
    assert accepted or 400 <= status < 500 or (status == 503 and queue_down), (status, body)
    if not accepted:
        assert isinstance(body.get("error"), str) and isinstance(body.get("message"), str), body
        assert queued == []
    elif body["status"] == "queued":
        [message] = [parse_message(raw) for raw in queued]
        assert message.event_id == (body.get("event_sid") or body.get("uuid") or body.get("event_id"))
    else:
        assert body["status"] == "ignored" and queued == []
    return status, body


# --- unsigned and malformed requests ---------------------------------------------------------------------
percent_junk = st.lists(
    st.sampled_from(
        [
            "%",
            "%2",
            "%zz",
            "%ff",
            "%fe%ff",
            "%C3%28",
            "%00",
            "%%",
            "+",
            "&",
            "=",
            "==",
            "&&",
            ";",
            "Sid=",
            "Payload=",
            "%5B",
            "%5D",
            "é",
            "\x7f",
            "%E2%82",
        ]
    ),
    max_size=30,
).map("".join)
form_like = st.dictionaries(st.text(max_size=12), st.text(max_size=40), max_size=6).map(urlencode)
huge = st.integers(MAX_BODY_BYTES - 64, MAX_BODY_BYTES + 4096).map(lambda n: "Sid=" + "x" * n)
surrogates = st.text(st.characters(categories=["Cs", "Ll"]), min_size=1, max_size=20)


@st.composite
def raw_events(draw) -> dict[str, Any]:
    body = draw(st.one_of(st.text(max_size=300), st.binary(max_size=300), percent_junk, form_like, huge))
    headers: dict[str, str] = {}
    content_type = draw(st.one_of(st.none(), st.sampled_from(FORM_TYPES + OTHER_TYPES), st.text(max_size=30)))
    if content_type is not None:
        headers["Content-Type"] = content_type
    signature = draw(st.one_of(st.none(), st.just(""), st.text(max_size=40), st.just("bm90IGEgc2lnbmF0dXJl")))
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    if draw(st.booleans()):
        headers["X-Twilio-Webhooks-Signature-Settings"] = draw(
            st.sampled_from(["", "algorithm=HMAC_SHA256", "algorithm=MD5", "key=x,algorithm="])
        )
    method, path = draw(
        st.sampled_from(
            [("POST", ROUTE)] * 4
            + [("POST", VERIFY_ROUTE)] * 3
            + [("POST", ACTIVITY_ROUTE)] * 3
            + [("GET", ROUTE), ("POST", "/twilio/Debugger"), ("POST", "/")]
        )
    )
    if path == ACTIVITY_ROUTE and draw(st.booleans()):  # reach the timestamp check without a valid signature
        headers[SIGNATURE_HEADER] = draw(st.text(max_size=70))
        headers[TIMESTAMP_HEADER] = draw(
            st.one_of(st.text(max_size=12), st.sampled_from(["²", "١٢٣", "９", "9" * 5000, " 1 "]))
        )
    event = api_gateway_event(
        method, path, body=body, headers=headers, query=draw(st.sampled_from(["", "x=1", "%zz&&="]))
    )
    encoding = draw(st.sampled_from(["as-is", "as-is", "base64", "garbage-base64", "no-body", "surrogates"]))
    if encoding == "base64":
        raw = body.encode("utf-8") if isinstance(body, str) else body
        event.update(body=base64.b64encode(raw).decode("ascii"), isBase64Encoded=True)
    elif encoding == "garbage-base64":
        event.update(body=draw(st.one_of(st.text(max_size=40), percent_junk)), isBase64Encoded=True)
    elif encoding == "no-body":
        event.pop("body")
        event["isBase64Encoded"] = draw(st.booleans())
    elif encoding == "surrogates":  # the runtime's json.loads turns "\ud800" escapes into lone surrogates
        event.update(body=f"Sid={draw(surrogates)}", isBase64Encoded=False)
    if draw(st.booleans()):
        event["headers"] = {name.title(): value for name, value in event["headers"].items()}
    return event


@FUZZ
@given(event=raw_events(), queue_down=st.booleans())
@example(
    event={**api_gateway_event("POST", ROUTE, headers={"content-type": FORM}), "body": "é==", "isBase64Encoded": True},
    queue_down=False,
)
@example(
    event={**api_gateway_event("POST", ROUTE, headers={"content-type": FORM}), "body": "Sid=\ud800"}, queue_down=False
)
def test_fuzz_unsigned_and_malformed_requests_are_refused_with_a_4xx(intake, event, queue_down):
    answer, queued = intake.post(event, queue_down=queue_down)
    status, _ = checked_answer("unsigned", answer, queued, queue_down)
    assert 400 <= status < 500  # none of these carries a valid signature


# --- validly signed requests -----------------------------------------------------------------------------
def random_sid(prefix: str) -> st.SearchStrategy[str]:
    return st.binary(min_size=16, max_size=16).map(lambda raw: prefix + raw.hex())


def _not_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return True
    return False


identity_atoms = st.text(
    st.one_of(st.characters(categories=["L", "N"]), st.sampled_from("-_.@:/?#% ")), min_size=1, max_size=24
).filter(lambda s: s == s.strip() and not sids.is_sid(s) and _not_json(s))


@dataclass
class Ids:
    """A correlationIds value and what a correct reading of it must give (None: no exact expectation)."""

    raw: object
    expected: tuple[str, str, str] | None  # (service, identity, factor) when unambiguous
    ambiguous: bool | None  # True/False when known from the atoms put in, None for free-form text


@st.composite
def correlation_ids(draw) -> Ids:
    """Our service, identity, factor (and challenge), some missing or repeated, mixed with noise, in any order and format."""
    ours = [SERVICE_SID, IDENTITY, FACTOR_SID, CHALLENGE_SID]
    atoms = [a for a in ours if draw(st.sampled_from([True, True, True, True, False]))]
    noise = st.one_of(
        st.sampled_from(NOISE_PREFIXES).flatmap(random_sid),
        st.sampled_from(ours),
        identity_atoms,
    )
    atoms += draw(st.lists(noise, max_size=3))
    atoms = draw(st.permutations(atoms))
    fmt = draw(st.sampled_from(["twilio", "twilio", "json-string", "list", "free-text"]))
    if fmt == "free-text":
        raw = draw(
            st.one_of(
                st.text(max_size=80),
                st.lists(st.text(max_size=20), max_size=5).map(str),
                st.sampled_from(["[]", "[,,,]", "[ ]", "null", "[[[[", "{}", '["a", ["b"]]']),
                st.integers(2000, 6000).map(lambda depth: "[" * depth + "]" * depth),
            )
        )
        return Ids(raw, None, None)
    decorated = [
        draw(st.sampled_from(PADDING))
        + (q := draw(st.sampled_from(QUOTES)))
        + atom
        + q
        + draw(st.sampled_from(PADDING))
        for atom in atoms
    ]
    if fmt == "twilio":
        raw: object = "[" + draw(st.sampled_from([",", ", ", " ,  "])).join(decorated) + "]"
    elif fmt == "json-string":
        raw = json.dumps(decorated)
    else:
        raw = decorated
    distinct = list(dict.fromkeys(atoms))
    by_kind = Counter(a[:2] if sids.is_sid(a) else "identity" for a in distinct)
    ambiguous = any(by_kind[k] != 1 for k in ("VA", "identity", "YF")) or by_kind["YC"] > 1
    expected = None
    if not ambiguous:
        expected = (
            next(a for a in distinct if a.startswith("VA") and sids.is_sid(a)),
            next(a for a in distinct if not sids.is_sid(a)),
            next(a for a in distinct if a.startswith("YF") and sids.is_sid(a)),
        )
    return Ids(raw, expected, ambiguous)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


@dataclass
class SignedCase:
    event: dict[str, Any]
    params: dict[str, str]
    expect: str  # queued | ignored | malformed | wrong_account | too_large | loose
    ids: Ids | None = None
    payload_service: str | None = None
    notes: list[str] = field(default_factory=list)


@st.composite
def signed_cases(draw) -> SignedCase:
    bad_sids = st.sampled_from(["", "NO123", "no" + "a" * 32, "NO" + "A" * 32, "NO" + "a" * 33])
    sid = draw(st.one_of(random_sid("NO"), random_sid("NO"), random_sid("NO"), bad_sids))
    sid_ok = sids.is_sid(sid, "NO")
    account = draw(st.sampled_from(["ours", "ours", "ours", "subaccount", "other", "garbage"]))
    params = {"Sid": sid, "AccountSid": {"ours": ACCOUNT_SID, "garbage": "AC-not-a-sid"}.get(account, "AC" + "9" * 32)}
    if account == "subaccount":
        params["ParentAccountSid"] = ACCOUNT_SID
    for name, value in (("Timestamp", "2026-11-25T11:59:00Z"), ("Level", "Error"), ("PayloadType", "application/json")):
        if draw(st.sampled_from([True, True, True, False])):
            params[name] = draw(st.sampled_from([value, "", "garbage ☃"]))

    kind = draw(st.sampled_from(["push"] * 6 + ["other", "garbage", "random-json"]))
    ids = payload_service = None
    if kind == "push":
        ids = draw(correlation_ids())
        service_choice = draw(st.sampled_from(["absent", "same", "same", "other-VA", "not-VA"]))
        payload: dict[str, Any] = {
            "resource_sid": CHALLENGE_SID,
            "error_code": draw(st.sampled_from(["52103", 52103, "52134", "", "x"])),
        }
        if service_choice != "absent":
            same = ids.expected[0] if ids.expected else SERVICE_SID
            payload_service = {"same": same, "other-VA": "VA" + "0" * 32, "not-VA": "IS" + "0" * 32}[service_choice]
            payload["service_sid"] = payload_service
        more_info = {"correlationIds": ids.raw, "bindingType": "fcm", "description": draw(st.text(max_size=40))}
        payload["more_info"] = json.dumps(more_info) if draw(st.booleans()) else more_info
        params["Payload"] = json.dumps(payload)
    elif kind == "other":
        params["Payload"] = json.dumps(
            {"resource_sid": "SM" + "0" * 32, "error_code": "30008", "more_info": {"Msg": "x"}}
        )
    elif kind == "garbage":
        params["Payload"] = draw(
            st.one_of(
                st.text(max_size=60).filter(_not_json),
                st.integers(100, 20000).map(lambda depth: "[" * depth),
                st.integers(2000, 6000).map(
                    lambda depth: '{"more_info": ' * depth + "{}" + "}" * depth
                ),  # > recursion limit
                st.integers(2000, 6000).map(lambda depth: json.dumps({"more_info": "[" * depth + "]" * depth})),
                st.lists(st.integers(), max_size=3).map(json.dumps),
            )
        )
    else:
        params["Payload"] = json.dumps(draw(json_values))
    for name, value in draw(st.dictionaries(st.text(max_size=10), st.text(max_size=30), max_size=3)).items():
        params.setdefault(name, value)
    if draw(st.integers(0, 9)) == 0:
        params.setdefault("Padding", "p" * draw(st.integers(MAX_BODY_BYTES - 2000, MAX_BODY_BYTES + 2000)))

    query = draw(st.sampled_from(["", "env=prod", "a=1&b=%20x"]))
    signed_url = draw(st.sampled_from([BASE_URL, BASE_URL + ":443"])) + ROUTE + (f"?{query}" if query else "")
    algorithm = draw(st.sampled_from([None, None, "HMAC_SHA256"]))
    headers = {
        "Content-Type": draw(st.sampled_from(FORM_TYPES)),
        "X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(signed_url, params, algorithm),
    }
    if algorithm:
        headers["X-Twilio-Webhooks-Signature-Settings"] = f"key=webhooks_sharedkey_x,algorithm={algorithm}"
    body = urlencode(params)
    event = api_gateway_event("POST", ROUTE, body=body, headers=headers, query=query, base64_body=draw(st.booleans()))

    if len(body.encode("utf-8")) > MAX_BODY_BYTES:
        expect = "too_large"
    elif kind == "random-json":
        expect = "loose"
    elif not sid_ok or kind == "garbage" or account == "garbage":
        expect = "malformed"
    elif account == "other":
        expect = "wrong_account"
    else:
        expect = "queued" if kind == "push" else "ignored"
    return SignedCase(event, params, expect, ids, payload_service)


@FUZZ
@given(case=signed_cases(), queue_down=st.sampled_from([False] * 5 + [True]))
def test_fuzz_signed_events_are_queued_exactly_as_sent_or_refused(intake, case, queue_down):
    note(f"params={case.params!r}")
    answer, queued = intake.post(case.event, queue_down=queue_down)
    status, body = checked_answer("signed", answer, queued, queue_down)
    expected_status = {"queued": 200, "ignored": 200, "malformed": 400, "wrong_account": 403, "too_large": 413}
    if case.expect == "queued" and queue_down:
        assert (status, body["error"]) == (503, "queue_unavailable")
        return
    if case.expect != "loose":
        assert status == expected_status[case.expect], (status, body)
    if case.expect == "malformed":
        assert body["error"] == "malformed_event"
    if case.expect == "ignored":
        assert body["status"] == "ignored"
    if status != 200 or body["status"] != "queued":
        assert case.expect != "queued"
        return
    [message] = [parse_message(raw) for raw in queued]
    assert (message.event_id, message.source) == (case.params["Sid"], "debugger")
    assert ACCOUNT_SID in (case.params["AccountSid"], case.params.get("ParentAccountSid"))
    if case.expect == "loose":
        return
    ids = case.ids
    assert ids is not None
    if message.correlation_problem is None:
        # Whatever was read must be a SID of the right type, or an identity, found verbatim in what was sent.
        assert sids.is_sid(message.service_sid, "VA") and sids.is_sid(message.factor_sid, "YF")
        assert message.identity and not sids.is_sid(message.identity)
        for value in (message.service_sid, message.identity, message.factor_sid):
            assert value in _as_sent(ids.raw)
    if ids.ambiguous is None:
        return
    mismatch = (
        case.payload_service
        and case.payload_service.startswith("VA")
        and ids.expected
        and case.payload_service != ids.expected[0]
    )
    if ids.ambiguous or mismatch:
        assert message.correlation_problem, message
        TALLY["ambiguous"] += 1
    else:
        assert message.correlation_problem is None, message
        assert (message.service_sid, message.identity, message.factor_sid) == ids.expected
        TALLY["exact"] += 1


# --- validly signed Verify Service webhooks (POST /twilio/verify, form or JSON) --------------------------------
DATE_TEXT = st.one_of(
    st.sampled_from(
        [
            "2026-11-25T11:59:00Z",
            "2026-11-25T11:59:00",
            "2026-11-25T11:59:00+05:30",
            "9999-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
            "yesterday",
            "",
        ]
    ),
    st.text(max_size=25),
)


@st.composite
def verify_webhooks(draw) -> SignedCase:
    uuid = draw(
        st.one_of(
            st.uuids().map(str), st.uuids().map(str), st.sampled_from(["", "x" * 201]), st.text(min_size=1, max_size=30)
        )
    )
    kind = draw(st.sampled_from(sorted(EVENT_TYPES) + ["factor.created", "challenge.expired", ""]))
    account = draw(st.sampled_from(["ours", "ours", "absent", "other", "garbage"]))
    fields: dict[str, Any] = {"uuid": uuid, "type": kind}
    if account != "absent":
        fields["account_sid"] = {"ours": ACCOUNT_SID, "other": "AC" + "9" * 32}.get(account, "AC-nope")
    service = draw(st.sampled_from([SERVICE_SID, SERVICE_SID, "VA-nope", None]))
    factor = draw(st.sampled_from([FACTOR_SID, FACTOR_SID, "YF" + "B" * 32, None]))
    for name, value in (("service_sid", service), ("factor_sid", factor)):
        if value is not None:
            fields[name] = value
    if draw(st.booleans()):
        fields["entity_identity"] = draw(st.one_of(st.just(IDENTITY), st.text(max_size=30)))
    for name in draw(
        st.lists(st.sampled_from(["date_created", "challenge_date_responded", "factor_date_updated"]), max_size=2)
    ):
        fields[name] = draw(DATE_TEXT)
    url, expect = BASE_URL + VERIFY_ROUTE, None
    if draw(st.booleans()):  # JSON, signed through bodySHA256 in the URL
        if draw(st.integers(0, 5)) == 0:  # wrong types and unknown structure only JSON can carry
            fields[draw(st.sampled_from(["uuid", "type", "factor_sid", "date_created", "extra"]))] = draw(json_values)
        body = draw(st.sampled_from(["object"] * 8 + ["deep", "list"]))
        text = {
            "object": lambda: json.dumps(fields),
            "list": lambda: json.dumps([fields]),
            "deep": lambda: '{"uuid": ' + "[" * 5000 + "]" * 5000 + "}",
        }[body]()
        signed_url, headers = signed_json(url, text, AUTH_TOKEN)
        query = signed_url.split("?", 1)[1]
        if draw(st.integers(0, 9)) == 0:
            text += " "  # the body no longer matches bodySHA256
            expect = "forged"
        event = api_gateway_event("POST", VERIFY_ROUTE, body=text, headers=headers, query=query)
    else:
        form = {name: str(value) for name, value in fields.items()}
        text, headers = signed_form(url, form, AUTH_TOKEN)
        body = "object"
        event = api_gateway_event("POST", VERIFY_ROUTE, body=text, headers=headers)
    typed = all(isinstance(v, str) for v in fields.values())
    if expect:
        pass
    elif body != "object" or not typed or not 1 <= len(uuid) <= 200 or not kind or account == "garbage":
        expect = "loose" if body == "object" and not typed else "malformed"
    elif kind in EVENT_TYPES and (service != SERVICE_SID or factor != FACTOR_SID):
        expect = "malformed"
    elif account == "other":
        expect = "wrong_account"
    elif kind not in EVENT_TYPES:
        expect = "ignored"
    else:
        expect = "queued"
    return SignedCase(event, {k: str(v) for k, v in fields.items()}, expect)


@FUZZ
@given(case=verify_webhooks(), queue_down=st.sampled_from([False] * 5 + [True]))
def test_fuzz_signed_verify_webhooks_are_queued_as_sent_or_refused(intake, case, queue_down):
    note(f"fields={case.params!r}")
    answer, queued = intake.post(case.event, queue_down=queue_down)
    status, body = checked_answer("verify", answer, queued, queue_down)
    expected = {"queued": 200, "ignored": 200, "malformed": 400, "wrong_account": 403, "forged": 403}
    if case.expect == "queued" and queue_down:
        assert status == 503
    elif case.expect != "loose":
        assert status == expected[case.expect], (status, body)
    if status == 200 and body["status"] == "queued" and case.expect != "loose":
        [message] = [parse_message(raw) for raw in queued]
        assert (message.kind, message.event_id, message.type) == (
            "verify_event",
            case.params["uuid"],
            case.params["type"],
        )
        assert (message.service_sid, message.factor_sid) == (SERVICE_SID, FACTOR_SID)
        TALLY["exact"] += 1


# --- HMAC-signed app activity (POST /app/activity) -------------------------------------------------------------
@st.composite
def activity_reports(draw) -> SignedCase:
    fields: dict[str, Any] = {}
    for name, values in (
        ("factor_sid", [FACTOR_SID] * 3 + ["YF-nope"]),
        ("service_sid", [SERVICE_SID] * 3 + ["VA-nope"]),
        ("identity", [IDENTITY] * 3 + ["", "i" * 65]),
        ("activity_id", ["open-1", "open-1", ""]),
        ("occurred_at", ["2026-01-01T00:00:00Z"] * 5 + ["2999-01-01T00:00:00Z", "2026-01-01T00:00:00", "soon"]),
    ):
        if draw(st.sampled_from([True, True, True, False])):
            fields[name] = draw(st.sampled_from(values))
    if draw(st.integers(0, 5)) == 0:
        fields[draw(st.sampled_from(["occurred_at", "factor_sid", "unknown"]))] = draw(json_values)
    text = draw(st.sampled_from([json.dumps(fields)] * 6 + ["[" * 3000, "null", "{", json.dumps([fields])]))
    now = int(time.time())
    stamp = draw(st.sampled_from([str(now)] * 4 + [str(now - 3600), " " + str(now), "²", ""]))
    signature = activity_signature(ACTIVITY_SECRET, stamp.strip(), text)
    if draw(st.integers(0, 9)) == 0:
        signature = activity_signature("not-the-secret", stamp.strip(), text)
    headers = {
        "Content-Type": draw(st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain"])),
        SIGNATURE_HEADER: signature,
        TIMESTAMP_HEADER: stamp,
    }
    return SignedCase(
        api_gateway_event("POST", ACTIVITY_ROUTE, body=text, headers=headers), {"body": text, "stamp": stamp}, "loose"
    )


@FUZZ
@given(case=activity_reports(), queue_down=st.sampled_from([False] * 5 + [True]))
def test_fuzz_activity_reports_are_queued_only_when_signed_and_well_formed(intake, case, queue_down):
    note(f"{case.params!r}")
    answer, queued = intake.post(case.event, queue_down=queue_down)
    status, _body = checked_answer("activity", answer, queued, queue_down)
    if status == 202:
        [message] = [parse_message(raw) for raw in queued]
        sent = json.loads(case.params["body"])
        assert message.kind == "app_activity" and case.params["stamp"].strip().isdecimal()
        assert {k: getattr(message, k) for k in sent} == sent  # exactly what was signed, nothing invented
        TALLY["exact"] += 1


def test_fuzz_queue_down_answers_503_and_acknowledges_nothing(intake):
    """The one 5xx allowed: the queue did not take the event, so Twilio must retry it."""
    from factor_cleanup.local.signing import signed_form
    from tests.conftest import debugger_params

    body, headers = signed_form(BASE_URL + ROUTE, debugger_params(), AUTH_TOKEN)
    answer, queued = intake.post(api_gateway_event("POST", ROUTE, body=body, headers=headers), queue_down=True)
    assert answer["statusCode"] == 503 and json.loads(answer["body"])["error"] == "queue_unavailable" and queued == []
    answer, queued = intake.post(api_gateway_event("POST", ROUTE, body=body, headers=headers))
    assert answer["statusCode"] == 200 and len(queued) == 1


# --- what the fuzz found, kept as plain regression tests ------------------------------------------------
def _signed_event(params: dict[str, str]) -> dict[str, Any]:
    from factor_cleanup.local.signing import signed_form

    body, headers = signed_form(BASE_URL + ROUTE, params, AUTH_TOKEN)
    return api_gateway_event("POST", ROUTE, body=body, headers=headers)


@pytest.mark.parametrize(
    "body, is_base64",
    [("é==", True), ("Sid=\ud800", False)],
    ids=["non-ASCII text flagged base64", "lone surrogate from a JSON escape"],
)
def test_undecodable_body_is_a_400_not_a_crash(intake, body, is_base64):
    event = {
        **api_gateway_event("POST", ROUTE, headers={"content-type": FORM}),
        "body": body,
        "isBase64Encoded": is_base64,
    }
    answer, queued = intake.post(event)
    assert answer["statusCode"] == 400 and json.loads(answer["body"])["error"] == "bad_request" and queued == []


def test_payload_nested_deeper_than_the_stack_is_a_400(intake):
    from tests.conftest import debugger_params

    answer, queued = intake.post(_signed_event({**debugger_params(), "Payload": "[" * 5000}))
    assert answer["statusCode"] == 400 and json.loads(answer["body"])["error"] == "malformed_event" and queued == []


def test_json_nested_deeper_than_the_stack_is_a_400_on_every_json_route(intake):
    body = '{"uuid": ' + "[" * 5000 + "]" * 5000 + "}"
    signed_url, headers = signed_json(BASE_URL + VERIFY_ROUTE, body, AUTH_TOKEN)
    event = api_gateway_event("POST", VERIFY_ROUTE, body=body, headers=headers, query=signed_url.split("?", 1)[1])
    answer, queued = intake.post(event)
    assert answer["statusCode"] == 400 and queued == []
    body, stamp = "[" * 3000, str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: activity_signature(ACTIVITY_SECRET, stamp, body),
        TIMESTAMP_HEADER: stamp,
    }
    answer, queued = intake.post(api_gateway_event("POST", ACTIVITY_ROUTE, body=body, headers=headers))
    assert answer["statusCode"] == 400 and queued == []


@pytest.mark.parametrize("stamp", ["²", "9" * 5000, "١٢٣"])
def test_a_timestamp_int_cannot_read_is_a_401_before_any_secret_is_used(intake, stamp):
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: "sha256=00", TIMESTAMP_HEADER: stamp}
    answer, queued = intake.post(api_gateway_event("POST", ACTIVITY_ROUTE, body="{}", headers=headers))
    assert answer["statusCode"] == 401 and json.loads(answer["body"])["error"] == "invalid_signature" and queued == []


def test_deeply_nested_correlation_ids_are_queued_as_ambiguous(intake):
    from tests.conftest import debugger_params

    answer, queued = intake.post(_signed_event(debugger_params(correlation_ids="[" * 5000 + "]" * 5000)))
    assert answer["statusCode"] == 200
    [message] = [parse_message(raw) for raw in queued]
    assert message.correlation_problem and message.factor_sid is None


def _as_sent(raw: object) -> str:
    """Every spelling of what was sent: as is, and with JSON string escapes (e.g. \\u00aa) decoded."""
    spellings = [json.dumps(raw, ensure_ascii=False), str(raw)]
    with contextlib.suppress(ValueError, RecursionError):
        spellings.append(json.dumps(json.loads(str(raw)), ensure_ascii=False))
    return "\n".join(spellings)
