"""The local Verify v2 emulator answers twilio-python's REST client the way Twilio does."""

from __future__ import annotations

import re
import select
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client
from werkzeug.serving import make_server

from factor_cleanup.domain.sids import is_sid
from factor_cleanup.local.verify_emulator import (
    DEMO_DEAD_FACTOR_SID,
    DEMO_IDENTITY,
    DEMO_IOS_STALE_FACTOR_SID,
    DEMO_LIVE_FACTOR_SID,
    DEMO_SERVICE_SID,
    EmulatorState,
    create_emulator_app,
    seed_demo,
)
from tests.support.verify_emulator import ACCOUNT_SID, AUTH_TOKEN, IDENTITY, SERVICE_SID, one_service_state

T0 = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)


@pytest.fixture
def state() -> EmulatorState:
    """An emulator accepting one credential pair, with one service and no factors yet."""
    return one_service_state()


@contextmanager
def serving(emulator: EmulatorState) -> Iterator[str]:
    """Serve the emulator on a free 127.0.0.1 port on a background thread, and stop it afterwards."""
    server = make_server("127.0.0.1", 0, create_emulator_app(emulator), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def base_url(state: EmulatorState) -> Iterator[str]:
    """The test's emulator, served for the duration of the test."""
    with serving(state) as url:
        yield url


def make_client(base_url: str, password: str = AUTH_TOKEN) -> Client:
    """twilio-python's client pointed at the emulator by overriding the Verify domain's base_url."""
    client = Client(ACCOUNT_SID, password, ACCOUNT_SID)
    client.verify.base_url = base_url
    return client


@pytest.fixture(autouse=True)
def _no_region_rewrite(monkeypatch: pytest.MonkeyPatch) -> None:
    """TWILIO_REGION/TWILIO_EDGE make twilio-python rewrite hostnames, which would mangle 127.0.0.1."""
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    monkeypatch.delenv("TWILIO_EDGE", raising=False)


@pytest.fixture
def client(base_url: str) -> Client:
    """twilio-python's client talking to the test's emulator."""
    return make_client(base_url)


def entity(client: Client, identity: str = IDENTITY):
    """The entity context for the test identity."""
    return client.verify.v2.services(SERVICE_SID).entities(identity)


def test_fetch_factor_has_twilio_fields(client: Client, state: EmulatorState, base_url: str) -> None:
    factor = state.add_factor(SERVICE_SID, IDENTITY, platform="apn", created=T0)
    got = entity(client).factors(factor["sid"]).fetch()
    assert got.sid == factor["sid"] and is_sid(got.sid, "YF")
    assert is_sid(got.entity_sid, "YE") and got.account_sid == ACCOUNT_SID and got.identity == IDENTITY
    assert got.date_created == T0 and got.status == "verified" and got.factor_type == "push"
    assert got.config["notification_platform"] == "apn" and got.config["notification_token"]
    assert got.url == f"{base_url}/v2/Services/{SERVICE_SID}/Entities/{IDENTITY}/Factors/{got.sid}"
    raw = requests.get(got.url, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5).json()
    assert raw["date_created"] == "2026-11-25T17:00:00Z" and raw["metadata"] is None


def test_delete_factor_then_twilio_404(client: Client, state: EmulatorState) -> None:
    sid = state.add_factor(SERVICE_SID, IDENTITY)["sid"]
    assert entity(client).factors(sid).delete() is True
    assert not state.has_factor(sid)
    with pytest.raises(TwilioRestException) as caught:
        entity(client).factors(sid).delete()
    assert (caught.value.status, caught.value.code) == (404, 20404)
    assert f"/Services/{SERVICE_SID}/Entities/{IDENTITY}/Factors/{sid} was not found" in caught.value.msg
    with pytest.raises(TwilioRestException) as fetched:
        entity(client).factors(sid).fetch()
    assert fetched.value.status == 404
    assert state.delete_calls(sid) == 2


def test_unknown_service_entity_and_route_are_twilio_404s(client: Client, state: EmulatorState, base_url: str) -> None:
    sid = state.add_factor(SERVICE_SID, IDENTITY)["sid"]
    unknown_service = "VA" + "0" * 32
    assert client.verify.v2.services(SERVICE_SID).fetch().account_sid == ACCOUNT_SID
    for call in (
        lambda: client.verify.v2.services(unknown_service).fetch(),
        lambda: client.verify.v2.services(unknown_service).entities(IDENTITY).factors(sid).delete(),
        lambda: entity(client, "someone-else-0001").factors(sid).fetch(),
    ):
        with pytest.raises(TwilioRestException) as caught:
            call()
        assert (caught.value.status, caught.value.code) == (404, 20404)
    # twilio-python turns a failed *list* page into a bare TwilioException carrying the response.
    with pytest.raises(TwilioException) as listed:
        client.verify.v2.services(unknown_service).entities(IDENTITY).challenges.list()
    assert listed.value.args[1].status_code == 404
    answer = requests.get(f"{base_url}/v2/Nothing/Here", auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5)
    assert answer.status_code == 404 and answer.json()["code"] == 20404
    answer = requests.put(f"{base_url}/v2/Services/{SERVICE_SID}", auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5)
    assert answer.status_code == 405 and answer.json()["code"] == 20004


def test_bad_credentials_get_twilio_401(base_url: str) -> None:
    with pytest.raises(TwilioRestException) as caught:
        make_client(base_url, password="wrong").verify.v2.services(SERVICE_SID).fetch()
    assert (caught.value.status, caught.value.code) == (401, 20003)
    answer = requests.get(f"{base_url}/v2/Services/{SERVICE_SID}", timeout=5)
    assert answer.status_code == 401
    assert answer.json() == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }
    assert answer.headers["WWW-Authenticate"].startswith("Basic")


def test_challenges_list_filters_orders_and_limits(client: Client, state: EmulatorState) -> None:
    first = state.add_factor(SERVICE_SID, IDENTITY)["sid"]
    other = state.add_factor(SERVICE_SID, IDENTITY)["sid"]
    for days_ago in range(1, 8):
        state.add_challenge(SERVICE_SID, IDENTITY, first, "expired", created=T0 - timedelta(days=days_ago))
    state.add_challenge(SERVICE_SID, IDENTITY, first, "approved", created=T0)
    state.add_challenge(SERVICE_SID, IDENTITY, other, "expired", created=T0 + timedelta(days=1))
    challenges = entity(client).challenges
    newest = challenges.list(factor_sid=first, status="expired", order="desc", limit=5)
    assert [c.date_created for c in newest] == [T0 - timedelta(days=d) for d in range(1, 6)]
    assert all(c.factor_sid == first and c.status == "expired" and c.date_responded is None for c in newest)
    oldest = challenges.list(factor_sid=first, status="expired", order="asc", page_size=2)
    assert [c.date_created for c in oldest] == [T0 - timedelta(days=d) for d in range(7, 0, -1)]
    unordered = challenges.list(factor_sid=first, status="expired")  # Twilio's spec: Order defaults to asc
    assert [c.sid for c in unordered] == [c.sid for c in oldest]
    approved = challenges.list(factor_sid=first, status="approved")
    assert len(approved) == 1 and approved[0].date_responded > approved[0].date_created
    assert approved[0].details == {"message": "Approve the sign-in?", "date": "2026-11-25T17:00:00Z", "fields": []}
    assert len(challenges.list()) == 9


def test_pending_challenge_expires_after_five_minutes(client: Client, state: EmulatorState) -> None:
    now = [T0]
    state.clock = lambda: now[0]
    factor = state.add_factor(SERVICE_SID, IDENTITY)["sid"]
    created = entity(client).challenges.create(
        factor_sid=factor, details_message="Sign in?", details_fields=[{"label": "IP", "value": "192.0.2.1"}]
    )
    assert created.status == "pending" and created.expiration_date == T0 + timedelta(minutes=5)
    assert created.details["fields"] == [{"label": "IP", "value": "192.0.2.1"}]
    now[0] = T0 + timedelta(minutes=6)
    assert entity(client).challenges(created.sid).fetch().status == "expired"
    assert entity(client).challenges.list(status="pending") == []


def test_webhooks_create_list_update_fetch_delete(client: Client) -> None:
    webhooks = client.verify.v2.services(SERVICE_SID).webhooks
    made = webhooks.create(
        friendly_name="janitor",
        event_types=["factor.deleted", "challenge.approved"],
        webhook_url="https://hooks.example.com/verify",
    )
    assert is_sid(made.sid, "YW") and made.status == "enabled" and made.version == "v2"
    assert made.event_types == ["factor.deleted", "challenge.approved"] and made.webhook_method == "POST"
    assert [w.sid for w in webhooks.list()] == [made.sid]
    changed = webhooks(made.sid).update(status="disabled", event_types=["*"])
    assert (changed.status, changed.event_types, changed.friendly_name) == ("disabled", ["*"], "janitor")
    assert webhooks(made.sid).fetch().status == "disabled"
    with pytest.raises(TwilioRestException) as caught:
        webhooks.create(friendly_name="x", event_types=["challenge.created"], webhook_url="https://h.example.com")
    assert caught.value.status == 400
    assert webhooks(made.sid).delete() is True and webhooks.list() == []


@pytest.mark.parametrize("identity", ["short-1", "user_0001_abc", "user 0001 abc", "a" * 65, "user-0001-"])
def test_the_emulator_holds_no_identity_verify_would_refuse(state: EmulatorState, base_url: str, identity: str) -> None:
    with pytest.raises(ValueError):
        state.add_factor(SERVICE_SID, identity)
    answer = requests.post(
        f"{base_url}/_emulator/factors", json={"service_sid": SERVICE_SID, "identity": identity}, timeout=5
    )
    assert answer.status_code == 400 and state.snapshot()["factors"] == []


def test_delete_entity_removes_its_factors(client: Client, state: EmulatorState) -> None:
    sid = state.add_factor(SERVICE_SID, IDENTITY)["sid"]
    assert entity(client).delete() is True and not state.has_factor(sid)
    with pytest.raises(TwilioRestException) as caught:
        entity(client).delete()
    assert caught.value.status == 404


def test_list_pages_across_several_pages(client: Client, state: EmulatorState, base_url: str) -> None:
    sids = [state.add_factor(SERVICE_SID, IDENTITY, created=T0 + timedelta(seconds=i))["sid"] for i in range(120)]
    assert [f.sid for f in entity(client).factors.list(page_size=50)] == sids
    auth = (ACCOUNT_SID, AUTH_TOKEN)
    url = f"{base_url}/v2/Services/{SERVICE_SID}/Entities/{IDENTITY}/Factors?PageSize=50"
    pages = []
    while url:
        pages.append(requests.get(url, auth=auth, timeout=5).json())
        url = pages[-1]["meta"]["next_page_url"]
    assert [len(p["factors"]) for p in pages] == [50, 50, 20]
    assert [p["meta"]["page"] for p in pages] == [0, 1, 2] and pages[0]["meta"]["previous_page_url"] is None
    assert pages[2]["meta"]["key"] == "factors" and "PageToken=PT100" in pages[2]["meta"]["url"]
    capped = requests.get(
        f"{base_url}/v2/Services/{SERVICE_SID}/Entities/{IDENTITY}/Factors?PageSize=5000", auth=auth, timeout=5
    ).json()
    assert capped["meta"]["page_size"] == 1000 and len(capped["factors"]) == 120


def test_injected_429_carries_retry_after(client: Client, state: EmulatorState, base_url: str) -> None:
    sid = state.add_factor(SERVICE_SID, IDENTITY)["sid"]
    state.set_faults(error_rate=1.0, error_statuses=[429], retry_after=1)
    url = f"{base_url}/v2/Services/{SERVICE_SID}/Entities/{IDENTITY}/Factors/{sid}"
    answer = requests.delete(url, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5)
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "1"
    assert answer.json()["code"] == 20429 and answer.json()["more_info"].endswith("/20429")
    with pytest.raises(TwilioRestException) as caught:
        entity(client).factors(sid).delete()
    assert (caught.value.status, caught.value.code) == (429, 20429)
    assert state.has_factor(sid) and state.delete_calls(sid) == 2
    assert requests.get(f"{base_url}/_emulator/state", timeout=5).status_code == 200  # controls never fail
    state.set_faults()
    assert entity(client).factors(sid).delete() is True and state.delete_calls(sid) == 3


def test_fault_control_endpoint(base_url: str, state: EmulatorState) -> None:
    faults_url = f"{base_url}/_emulator/faults"
    settings = {"latency_ms": 0, "error_rate": 0.5, "error_statuses": [500, 503], "retry_after": None}
    assert requests.post(faults_url, json=settings, timeout=5).json() == settings
    assert requests.get(faults_url, timeout=5).json() == settings
    assert requests.post(faults_url, json={"timeout_ms": 30000}, timeout=5).status_code == 400
    assert requests.post(faults_url, json={"error_statuses": [0]}, timeout=5).status_code == 400
    url = f"{base_url}/v2/Services/{SERVICE_SID}"
    statuses = {requests.get(url, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5).status_code for _ in range(40)}
    assert statuses == {200, 500, 503}
    assert requests.post(faults_url, json={}, timeout=5).json()["error_rate"] == 0.0


def test_max_in_flight_counts_concurrent_requests(base_url: str, state: EmulatorState) -> None:
    sid = state.add_factor(SERVICE_SID, IDENTITY)["sid"]
    state.set_faults(latency_ms=400)
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def fetch() -> None:
        try:
            start.wait(timeout=5)
            entity(make_client(base_url)).factors(sid).fetch()
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []
    assert state.max_in_flight == 4
    assert requests.get(f"{base_url}/_emulator/state", timeout=5).json()["max_in_flight"] == 4


def test_state_and_reset_controls(base_url: str, state: EmulatorState) -> None:
    sid = state.add_factor(SERVICE_SID, IDENTITY, platform="apn")["sid"]
    requests.delete(
        f"{base_url}/v2/Services/{SERVICE_SID}/Entities/{IDENTITY}/Factors/{sid}",
        auth=(ACCOUNT_SID, AUTH_TOKEN),
        timeout=5,
    )
    snapshot = requests.get(f"{base_url}/_emulator/state", timeout=5).json()
    assert snapshot["delete_calls"] == {sid: 1} and snapshot["factors"] == []
    assert requests.post(f"{base_url}/_emulator/reset", timeout=5).json()["counts"]["services"] == 0
    seeded = requests.post(f"{base_url}/_emulator/reset", json={"seed_demo": True}, timeout=5).json()
    assert sorted(f["sid"] for f in seeded["factors"]) == [
        DEMO_DEAD_FACTOR_SID,
        DEMO_LIVE_FACTOR_SID,
        DEMO_IOS_STALE_FACTOR_SID,
    ]


def test_demo_seed_tells_the_three_stories() -> None:
    for sid in (DEMO_SERVICE_SID, DEMO_DEAD_FACTOR_SID, DEMO_LIVE_FACTOR_SID, DEMO_IOS_STALE_FACTOR_SID):
        assert is_sid(sid), sid
    demo = EmulatorState({(ACCOUNT_SID, AUTH_TOKEN)})
    seeded = seed_demo(demo, ACCOUNT_SID)
    assert seeded["factors"] == {
        "dead": DEMO_DEAD_FACTOR_SID,
        "live": DEMO_LIVE_FACTOR_SID,
        "ios_stale": DEMO_IOS_STALE_FACTOR_SID,
    }
    with serving(demo) as demo_url:
        user = make_client(demo_url).verify.v2.services(DEMO_SERVICE_SID).entities(DEMO_IDENTITY)
        now = datetime.now(UTC)
        ios = user.factors(DEMO_IOS_STALE_FACTOR_SID).fetch()
        assert ios.config["notification_platform"] == "apn" and now - ios.date_created >= timedelta(days=119)
        last_three = user.challenges.list(factor_sid=ios.sid, order="desc", limit=3)
        assert [c.status for c in last_three] == ["expired"] * 3
        approvals = user.challenges.list(factor_sid=ios.sid, status="approved")
        assert len(approvals) == 1 and now - approvals[0].date_responded > timedelta(days=90)
        live = user.challenges.list(factor_sid=DEMO_LIVE_FACTOR_SID, status="approved", limit=1)[0]
        assert now - live.date_responded < timedelta(days=1)
        dead = user.factors(DEMO_DEAD_FACTOR_SID).fetch()
        assert dead.config["notification_platform"] == "fcm" and dead.status == "verified"


def test_standalone_command_serves_demo_with_given_credentials() -> None:
    command = [
        sys.executable,
        "-m",
        "factor_cleanup.local.verify_emulator",
        "--port",
        "0",
        "--account-sid",
        ACCOUNT_SID,
        "--auth-token",
        AUTH_TOKEN,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 20)
        assert ready, "no start-up line within 20 s"
        line = process.stdout.readline()
        assert f"only {ACCOUNT_SID}" in line and AUTH_TOKEN not in line
        base = re.search(r"http://127\.0\.0\.1:\d+", line).group(0)
        url = f"{base}/v2/Services/{DEMO_SERVICE_SID}"
        assert requests.get(url, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5).json()["account_sid"] == ACCOUNT_SID
        assert requests.get(url, auth=(ACCOUNT_SID, "wrong"), timeout=5).status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=10)
