"""Event Streams on moto: the same failure from Debugger and Event Streams is decided once by the worker."""

from __future__ import annotations

import json

from tests.support.event_streams import error_log


def test_the_same_failure_from_both_sources_is_decided_once():
    from moto import mock_aws

    from factor_cleanup.intake.debugger import parse_debugger_form, to_push_failure
    from factor_cleanup.intake.event_streams import parse_batch
    from tests.aws import local_aws
    from tests.conftest import debugger_params
    from tests.support.worker import Harness, records

    via_debugger = to_push_failure(parse_debugger_form(debugger_params()))
    [via_event_streams] = parse_batch(json.dumps([error_log()])).failures
    with mock_aws():
        harness = Harness(local_aws())
        harness.handle(records(via_debugger.model_dump_json()))
        assert harness.handle(records(via_event_streams.model_dump_json())) == {"batchItemFailures": []}
        assert len(harness.verify.calls) == 1 and len(harness.ledger_items()) == 1
