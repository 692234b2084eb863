"""The ingest Lambda handler called as API Gateway calls it, with a Debugger webhook signed for BASE_URL."""

from __future__ import annotations

import json

from factor_cleanup.local.events import LocalLambdaContext, api_gateway_event
from factor_cleanup.local.signing import signed_form
from tests.conftest import AUTH_TOKEN, BASE_URL, debugger_params


def signed_event(params=None):
    body, headers = signed_form(BASE_URL + "/twilio/debugger", params or debugger_params(), AUTH_TOKEN)
    return api_gateway_event("POST", "/twilio/debugger", body=body, headers=headers)


def call_ingest(event):
    from handlers.ingest import handler

    response = handler(event, LocalLambdaContext())
    return response["statusCode"], json.loads(response["body"])
