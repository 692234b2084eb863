"""configure-twilio against the Verify emulator: create, update, no-op, bad credentials, dry run."""

from __future__ import annotations

import pytest

from factor_cleanup.adapters.twilio.setup import (
    RETRY_FRAGMENT,
    SINK_CHECKS,
    VERIFY_EVENT_TYPES,
    EventStreamsSetup,
    SetupError,
    SinkNotActive,
    VerifyWebhookSetup,
    configure,
    configure_event_streams,
    twilio_client,
)
from factor_cleanup.local.verify_emulator import EmulatorState
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID, served_emulator

BASE = "https://hooks.example.com"
OTHER_SERVICE = "VA" + "e" * 32


@pytest.fixture
def emulator():
    state = EmulatorState({(ACCOUNT_SID, AUTH_TOKEN)})
    state.add_service(SERVICE_SID, "one", ACCOUNT_SID)
    state.add_service(OTHER_SERVICE, "two", ACCOUNT_SID)
    with served_emulator(state) as url:
        yield state, url


def run(url, services=(SERVICE_SID, OTHER_SERVICE), dry_run=False, token=AUTH_TOKEN):
    said: list[str] = []
    setup = VerifyWebhookSetup(twilio_client(ACCOUNT_SID, ACCOUNT_SID, token, url))
    return configure(setup, list(services), BASE, dry_run, said.append), said


def hooks(url, service):
    return list(twilio_client(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN, url).verify.v2.services(service).webhooks.list())


def test_first_run_creates_a_webhook_per_service_and_prints_the_debugger_url(emulator):
    _, url = emulator
    plans, said = run(url)
    assert [p.action for p in plans] == ["create", "create"]
    for service in (SERVICE_SID, OTHER_SERVICE):
        [hook] = hooks(url, service)
        assert hook.webhook_url == f"{BASE}/twilio/verify" and sorted(hook.event_types) == sorted(VERIFY_EVENT_TYPES)
        assert (hook.status, hook.version) == ("enabled", "v2")
    assert f"{BASE}/twilio/debugger#{RETRY_FRAGMENT}" in "\n".join(said)


def test_second_run_changes_nothing(emulator):
    _, url = emulator
    run(url)
    plans, _ = run(url)
    assert [p.action for p in plans] == ["unchanged", "unchanged"]
    assert len(hooks(url, SERVICE_SID)) == 1


def test_a_drifted_webhook_is_updated_in_place(emulator):
    _, url = emulator
    run(url)
    [hook] = hooks(url, SERVICE_SID)
    twilio_client(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN, url).verify.v2.services(SERVICE_SID).webhooks(hook.sid).update(
        event_types=["factor.deleted"], status="disabled"
    )
    plans, _said = run(url)
    assert plans[0].action == "update" and plans[0].webhook_sid == hook.sid
    [fixed] = hooks(url, SERVICE_SID)
    assert sorted(fixed.event_types) == sorted(VERIFY_EVENT_TYPES) and fixed.status == "enabled"


def test_dry_run_changes_nothing(emulator):
    _, url = emulator
    plans, said = run(url, dry_run=True)
    assert [p.action for p in plans] == ["create", "create"] and said[0].startswith("[dry run]")
    assert hooks(url, SERVICE_SID) == []


def test_bad_credentials_stop_before_any_change(emulator):
    _, url = emulator
    with pytest.raises(SetupError, match="rejected the credentials"):
        run(url, token="wrong")
    assert hooks(url, SERVICE_SID) == []


def test_unknown_service_stops_before_any_change(emulator):
    _, url = emulator
    with pytest.raises(SetupError, match="does not exist"):
        run(url, services=(SERVICE_SID, "VA" + "0" * 32))
    assert hooks(url, SERVICE_SID) == []


def events_setup(url, checks=SINK_CHECKS):
    return EventStreamsSetup(twilio_client(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN, url, url), checks, pause_seconds=0)


def event_streams(url):
    client = twilio_client(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN, url, url).events.v1
    return client.sinks.list(), client.subscriptions.list()


def test_the_new_sink_is_subscribed_only_once_it_is_active(emulator):
    """The emulator's sink is `initialized`, then `validating`, then `active`: subscribing earlier is refused (91100)."""
    _, url = emulator
    configure_event_streams(events_setup(url), BASE, dry_run=False, say=lambda _: None)
    [sink], [subscription] = event_streams(url)
    assert sink.status == "active" and subscription.sink_sid == sink.sid


@pytest.mark.parametrize(
    ("base", "checks", "status"), [("https://push-janitor.invalid", SINK_CHECKS, "failed"), (BASE, 1, "validating")]
)
def test_a_sink_that_fails_or_stays_inactive_stops_before_subscribing(emulator, base, checks, status):
    _, url = emulator
    with pytest.raises(SinkNotActive) as stopped:
        configure_event_streams(events_setup(url, checks), base, dry_run=False, say=lambda _: None)
    [sink], subscriptions = event_streams(url)
    assert (stopped.value.sink_sid, stopped.value.status, subscriptions) == (sink.sid, status, [])


def test_event_streams_sink_and_subscription_are_created_once(emulator):
    from factor_cleanup.adapters.twilio.setup import ERROR_LOG_TYPE

    _, url = emulator
    said: list[str] = []
    assert configure_event_streams(events_setup(url), BASE, dry_run=True, say=said.append)
    client = twilio_client(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN, url, url)
    assert client.events.v1.sinks.list() == []

    assert len(configure_event_streams(events_setup(url), BASE, dry_run=False, say=said.append)) == 2
    [sink] = client.events.v1.sinks.list()
    assert sink.sink_configuration["destination"] == f"{BASE}/twilio/events" and sink.sink_type == "webhook"
    [subscription] = client.events.v1.subscriptions.list(sink_sid=sink.sid)
    [subscribed] = client.events.v1.subscriptions(subscription.sid).subscribed_events.list()
    assert subscribed.type == ERROR_LOG_TYPE

    assert configure_event_streams(events_setup(url), BASE, dry_run=False, say=said.append) == []
    assert len(client.events.v1.sinks.list()) == 1 and len(client.events.v1.subscriptions.list()) == 1


def test_cli_configures_against_the_emulator(emulator, monkeypatch, capsys):
    from factor_cleanup.__main__ import main

    _, url = emulator
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("TWILIO_VERIFY_BASE_URL", url)
    monkeypatch.setenv("TWILIO_EVENTS_BASE_URL", url)
    monkeypatch.setenv("VERIFY_SERVICE_SIDS", SERVICE_SID)
    assert main(["configure-twilio", "--base-url", BASE, "--event-streams"]) == 0
    out = capsys.readouterr().out
    assert "create webhook" in out and "event streams: create webhook sink" in out and "/twilio/debugger#" in out
    assert len(hooks(url, SERVICE_SID)) == 1
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "wrong")
    assert main(["configure-twilio", "--base-url", BASE]) == 2
    assert "rejected the credentials" in capsys.readouterr().err


def test_cli_stops_with_exit_2_when_the_sink_fails(emulator, monkeypatch, capsys):
    from factor_cleanup.__main__ import main

    _, url = emulator
    for name, value in (
        ("TWILIO_ACCOUNT_SID", ACCOUNT_SID),
        ("TWILIO_AUTH_TOKEN", AUTH_TOKEN),
        ("TWILIO_VERIFY_BASE_URL", url),
        ("TWILIO_EVENTS_BASE_URL", url),
        ("VERIFY_SERVICE_SIDS", SERVICE_SID),
    ):
        monkeypatch.setenv(name, value)
    assert main(["configure-twilio", "--base-url", "https://push-janitor.invalid", "--event-streams"]) == 2
    [sink], subscriptions = event_streams(url)
    assert sink.status == "failed" and subscriptions == [] and sink.sid in capsys.readouterr().err
