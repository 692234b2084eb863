"""events/ holds a sample for every handler; they must match the code that generates them and be accepted."""

from __future__ import annotations

import json

import pytest

from factor_cleanup.local.demo import EVENTS_DIR, sample_events
from factor_cleanup.messages import parse_message


@pytest.mark.parametrize("name", sorted(sample_events()))
def test_committed_sample_matches_the_generator(name):
    committed = json.loads((EVENTS_DIR / name).read_text())
    assert committed == sample_events()[name], f"run `python -m factor_cleanup.local.demo` to refresh events/{name}"


def test_every_handler_has_a_sample():
    handlers = {path.stem for path in (EVENTS_DIR.parent / "handlers").glob("*.py") if path.stem != "__init__"}
    samples = " ".join(sample_events())
    missing = [name for name in handlers if not any(key in samples for key in SAMPLE_KEYS.get(name, (name,)))]
    assert not missing, f"no sample event in events/ for handlers {missing}"


SAMPLE_KEYS = {"ingest": ("debugger-webhook",), "worker": ("worker-sqs",), "report": ("report-request",)}


def test_worker_sample_carries_a_valid_message():
    batch = sample_events()["worker-sqs-batch.json"]
    for record in batch["Records"]:
        parse_message(record["body"])
