"""Evidence as the intake reads it: how a Verify webhook dates "last seen", and which push failures are
configuration errors (review findings 3 and 4)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from factor_cleanup.domain.error_codes import Category, ErrorCodePolicy
from factor_cleanup.intake.verify_webhook import parse_verify_webhook, to_verify_event
from tests.conftest import SERVICE_SID
from tests.fakes import FakeBreakerStore
from tests.support import breaker
from tests.support.push_failure import failure
from tests.support.verify_webhook import webhook
from tests.unit.test_deletion_safety import FACTOR, Stack, push_factor

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # the fake clock's time, and when the webhooks arrive
RECEIVED = "2026-11-25T12:00:00Z"


def occurred_at(event_type: str, **dates: str) -> str:
    event = to_verify_event(parse_verify_webhook(webhook(event_type, **dates)), received_at=NOW)
    assert event is not None
    return event.occurred_at


# 3. A challenge answer dated by its creation: the answer after the error is dated before it ------------------
@pytest.mark.parametrize("date_field", ["challenge_date_created", "factor_date_created", "date_created"])
def test_a_challenge_answered_after_the_error_keeps_the_factor_even_when_the_webhook_dates_only_its_creation(
    date_field,
):
    """Challenge created 11:50, its push fails at 11:59, the user answers in the app; the webhook arrives at 12:00."""
    stack = Stack(known=push_factor(last_seen="2026-11-01T00:00:00Z"))
    answered = webhook(**{date_field: "2026-11-25T11:50:00Z"})
    stack.app.tracker.apply_verify_event(to_verify_event(parse_verify_webhook(answered), received_at=NOW))
    action = stack.service.handle_push_failure(failure(occurred_at="2026-11-25T11:59:00Z"))
    assert (action.outcome, action.reason_code) == ("skipped", "alive") and stack.verify.calls == []


@pytest.mark.parametrize("event_type", ["challenge.approved", "challenge.denied"])
@pytest.mark.parametrize(
    "date_field",
    ["challenge_date_created", "factor_date_created", "date_created", "factor_date_updated", "date_updated"],
)
def test_a_challenge_answer_is_never_dated_by_a_creation_or_a_factor_date(event_type, date_field):
    """The factor's date_updated (or a bare date_updated, which may be the factor's) is not when the app answered."""
    assert occurred_at(event_type, **{date_field: "2026-11-25T11:50:00Z"}) == RECEIVED


@pytest.mark.parametrize("event_type", ["challenge.approved", "challenge.denied"])
def test_an_answer_date_wins_over_a_creation_date_and_the_latest_answer_date_counts(event_type):
    dates = {
        "challenge_date_created": "2026-11-25T11:50:00Z",
        "challenge_date_responded": "2026-11-25T11:59:10Z",
        "challenge_date_updated": "2026-11-25T11:59:20Z",
    }
    assert occurred_at(event_type, **dates) == "2026-11-25T11:59:20Z"


@pytest.mark.parametrize(
    "event_type, date_field",
    [
        ("challenge.approved", "challenge_date_responded"),
        ("challenge.denied", "date_responded"),
        ("factor.verified", "factor_date_updated"),
        ("factor.created", "factor_date_created"),
    ],
)
def test_an_own_date_after_the_receipt_counts_as_the_receipt(event_type, date_field):
    assert occurred_at(event_type, **{date_field: "2026-11-25T12:05:00Z"}) == RECEIVED


@pytest.mark.parametrize("date_field", ["factor_date_created", "date_created"])
def test_a_factor_verified_after_the_error_is_not_dated_by_its_creation(date_field):
    """Created 11:50, verified (and so alive) at 12:00: factor.verified sets last_seen, so it needs the verification."""
    stack = Stack()
    verified = webhook("factor.verified", **{date_field: "2026-11-25T11:50:00Z"})
    stack.app.tracker.apply_verify_event(to_verify_event(parse_verify_webhook(verified), received_at=NOW))
    assert stack.registry.rows[FACTOR[2]].last_seen == RECEIVED
    action = stack.service.handle_push_failure(failure(occurred_at="2026-11-25T11:59:00Z"))
    assert (action.outcome, action.reason_code) == ("skipped", "alive") and stack.verify.calls == []


# 4. Configuration failures the credential pattern did not recognise ------------------------------------------
CONFIGURATION_DESCRIPTIONS = [
    "403 http response from Apns Service",  # APNs: InvalidProviderToken / ExpiredProviderToken / bad certificate
    "APNs: 403 InvalidProviderToken",
    "APNs: 400 DeviceTokenNotForTopic",  # the bundle id on the Verify Service is not the app's
    "403 http response from Fcm Service",  # FCM: SENDER_ID_MISMATCH (the wrong Firebase project)
    "FCM error: SENDER_ID_MISMATCH",
    "FCM error: THIRD_PARTY_AUTH_ERROR",  # FCM's APNs credential is wrong
    "FCM error: UNAUTHENTICATED",  # FCM v1's name for a 401
    "FCM error: PERMISSION_DENIED",  # FCM v1's name for a 403
    "MismatchSenderId",
    "InvalidApnsCredential",
    "AuthenticationError",
    "InvalidPackageName",
    "BadCertificate",
    "BadCertificateEnvironment",
    "ExpiredProviderToken",
    "InvalidProviderToken",
    "MissingProviderToken",
    "BadTopic",
    "TopicDisallowed",
    "APNs: 400 MissingTopic",
    "APNs: 403 Forbidden",
    "APNs: 403 UnrelatedKeyIdInToken",
    "APNs: 403 BadEnvironmentKeyIdInToken",
    "Apns answered 401",
]
UNINSTALL_DESCRIPTIONS = [
    "Notification delivery failed: app uninstalled",
    "APNs: 410 Unregistered",
    "410 http response from Apns Service",
    "FCM error: 404 UNREGISTERED",
    "404 http response from Fcm Service",
    "NotRegistered",
]
# The token, not the app: a wrong APNs environment fails every iOS device of a service with BadDeviceToken.
BAD_TOKEN_DESCRIPTIONS = [
    "APNs: 400 BadDeviceToken",
    "BadDeviceToken",
    "InvalidRegistration",
    "FCM: INVALID_ARGUMENT",
    "APNs: 400 baddevicetoken",  # in any case, as the configuration reasons
    "Apns: BADDEVICETOKEN",
    "fcm: invalid_argument",
]


@pytest.mark.parametrize("description", CONFIGURATION_DESCRIPTIONS)
def test_a_credential_or_bundle_failure_filed_under_an_uninstall_code_deletes_nothing(description):
    stack = Stack(known=push_factor())
    action = stack.service.handle_push_failure(failure(error_code="52103", description=description))
    assert (action.outcome, action.reason_code) == ("skipped", "configuration") and stack.verify.calls == []


@pytest.mark.parametrize("code", ["52103", "52141", "52119", "52102", "52108", "30008", None])
@pytest.mark.parametrize("description", ["status 401", "status 403", "FCM answered 403: Forbidden"])
def test_a_provider_401_or_403_is_a_configuration_error_whatever_the_code(code, description):
    verdict = ErrorCodePolicy().classify(code, description)
    assert verdict.category is Category.CONFIGURATION and not verdict.delete_candidate


@pytest.mark.parametrize("code", ["52103", "52141", "52119"])
@pytest.mark.parametrize("description", UNINSTALL_DESCRIPTIONS)
def test_a_genuine_uninstall_description_stays_an_uninstall(code, description):
    verdict = ErrorCodePolicy().classify(code, description)
    assert verdict.category is Category.UNINSTALLED and verdict.delete_candidate


@pytest.mark.parametrize("description", UNINSTALL_DESCRIPTIONS)
def test_a_genuine_uninstall_description_still_deletes(description):
    stack = Stack(known=push_factor())
    action = stack.service.handle_push_failure(failure(error_code="52103", description=description))
    assert (action.outcome, action.reason_code) == ("deleted", "uninstalled") and FACTOR not in stack.verify.factors


@pytest.mark.parametrize("description", BAD_TOKEN_DESCRIPTIONS)
def test_a_token_the_provider_cannot_use_under_an_uninstall_code_deletes_nothing(description):
    stack = Stack(known=push_factor())
    action = stack.service.handle_push_failure(failure(error_code="52103", description=description))
    assert (action.outcome, action.reason_code) == ("skipped", "bad_token") and stack.verify.calls == []


@pytest.mark.parametrize(
    "description", ["APNs: 400 DeviceTokenNotForTopic", "FCM error: SENDER_ID_MISMATCH", "403 http response from Fcm"]
)
def test_configuration_errors_recognised_by_description_count_toward_the_surge(description):
    store = FakeBreakerStore()
    cleanup, verify = breaker.service(store, config_trips=3)
    for n in range(3):
        wrong = breaker.failure(n).model_copy(update={"description": description})
        action = cleanup.handle_push_failure(wrong)
        assert (action.outcome, action.reason_code) == ("skipped", "configuration")
    held = cleanup.handle_push_failure(breaker.failure(10))
    assert (held.outcome, held.reason_code) == ("would_delete", "breaker_open") and verify.calls == []
    assert store.open_state(SERVICE_SID) is not None
