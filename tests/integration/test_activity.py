"""The app activity route of the ingest handler on moto: authenticated, but not acknowledged while its queue is missing."""

from __future__ import annotations

import time

from moto import mock_aws

from factor_cleanup.intake.app_activity import activity_signature
from factor_cleanup.local.events import api_gateway_event
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, BASE_URL
from tests.support.activity import SECRET, report

MISSING_QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/push-janitor-ActivityQueue"


def test_the_handler_reads_the_secret_from_the_environment(restore_environ):
    from handlers.ingest import handler

    restore_environ.update(
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        APP_ACTIVITY_SECRET=SECRET,
        QUEUE_URL="",
        ACTIVITY_QUEUE_URL=MISSING_QUEUE,
        PUBLIC_BASE_URL=BASE_URL,
    )
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Push-Janitor-Timestamp": timestamp,
        "X-Push-Janitor-Signature": activity_signature("wrong", timestamp, report()),
    }
    response = handler(api_gateway_event("POST", "/app/activity", body=report(), headers=headers), None)
    assert response["statusCode"] == 401
    headers["X-Push-Janitor-Signature"] = activity_signature(SECRET, timestamp, report())
    with mock_aws():  # no queue exists
        response = handler(api_gateway_event("POST", "/app/activity", body=report(), headers=headers), None)
    assert response["statusCode"] == 503  # authenticated, and the activity queue is missing: not acknowledged
