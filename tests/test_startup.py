"""A Lambda function starts with garbage collection paused, then freezes what it built (runtime/startup.py)."""

from __future__ import annotations

import gc

import pytest

from factor_cleanup.runtime.startup import gc_paused


@pytest.fixture
def on_lambda(monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "push-janitor-test")
    frozen = gc.get_freeze_count()
    yield frozen
    gc.unfreeze()  # give this test process's objects back to the collector
    assert gc.isenabled()


def test_on_lambda_collection_is_off_while_starting_and_what_was_built_is_frozen(on_lambda):
    with gc_paused():
        assert not gc.isenabled()
        built = [{"kept": n} for n in range(1000)]
    assert gc.isenabled() and gc.get_freeze_count() >= on_lambda + len(built)


def test_a_failed_start_turns_collection_back_on(on_lambda):
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("configuration error")
    assert gc.isenabled()


def test_elsewhere_collection_is_left_alone(monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    frozen = gc.get_freeze_count()
    with gc_paused():
        assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
