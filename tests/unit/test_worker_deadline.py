"""The template's worker timeout leaves a sweeper candidate, the costliest record, room to start."""

from __future__ import annotations

from pathlib import Path

from factor_cleanup.runtime.deadline import RecordBudget


def test_the_template_worker_timeout_leaves_room_for_a_sweeper_candidate():
    from factor_cleanup.local.template import load_template
    from tests.aws import TEMPLATE

    timeout = load_template(TEMPLATE)["Resources"]["WorkerFunction"]["Properties"]["Timeout"]
    gate = RecordBudget().gate(lambda: timeout * 1000)  # the settings' defaults, as an invocation starts
    with gate.admitted("inactive_candidate"):  # raises NotStarted if a candidate could never start
        pass
    assert gate.not_started == 0


def _at_once(kind_calls: int, seconds: float) -> int:
    from collections import Counter

    gate = RecordBudget().gate(lambda: seconds * 1000)
    records = 0
    while gate._spare_seconds(Counter({kind_calls: records + 1})) >= 0:
        records += 1
    return records


def _last_seconds(kind_calls: int) -> float:
    """The least time left in which one record of this many Verify calls still starts on an idle worker."""
    from collections import Counter

    budget = RecordBudget()
    return budget.gate(lambda: 0)._spare_seconds(Counter({kind_calls: 1})) * -1


def test_the_readme_deadline_figures_are_the_gates():
    """README "The worker's deadline" quotes what the gate admits at the defaults and the template's timeout."""
    import re

    from factor_cleanup.local.template import load_template
    from factor_cleanup.runtime.deadline import VERIFY_CALLS
    from tests.aws import TEMPLATE

    timeout = load_template(TEMPLATE)["Resources"]["WorkerFunction"]["Properties"]["Timeout"]
    text = " ".join(Path(TEMPLATE).parent.parent.joinpath("README.md").read_text(encoding="utf-8").split())
    found = re.search(
        r"runs up to (\d+) push failures or (\d+) sweeper candidates at once \(more as they end\), and starts no "
        r"push failure in its last (\d+) s and no candidate in its last (\d+) s",
        text,
    )
    assert found, "README: the worker's deadline sentence changed; update this test with it"
    failures, candidates, failure_last, candidate_last = map(int, found.groups())
    push, candidate = VERIFY_CALLS["push_failure"], VERIFY_CALLS["inactive_candidate"]
    assert (failures, candidates) == (_at_once(push, timeout), _at_once(candidate, timeout))
    assert (failure_last, candidate_last) == (_last_seconds(push), _last_seconds(candidate))
    assert f"up to {failures} at once: the deadline's bound at the defaults" in text
