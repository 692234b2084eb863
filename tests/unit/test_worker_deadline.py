"""The template's worker timeout leaves a sweeper candidate, the costliest record, room to start."""

from __future__ import annotations

from factor_cleanup.runtime.deadline import RecordBudget


def test_the_template_worker_timeout_leaves_room_for_a_sweeper_candidate():
    from factor_cleanup.local.template import load_template
    from tests.aws import TEMPLATE

    timeout = load_template(TEMPLATE)["Resources"]["WorkerFunction"]["Properties"]["Timeout"]
    gate = RecordBudget().gate(lambda: timeout * 1000)  # the settings' defaults, as an invocation starts
    with gate.admitted("inactive_candidate"):  # raises NotStarted if a candidate could never start
        pass
    assert gate.not_started == 0
