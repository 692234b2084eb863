"""The Verify emulator's state, without serving it: credentials it accepts and SIDs it refuses to hold."""

from __future__ import annotations

import pytest

from factor_cleanup.local.verify_emulator import EmulatorState
from tests.support.verify_emulator import IDENTITY, SERVICE_SID, one_service_state


@pytest.fixture
def state() -> EmulatorState:
    """An emulator accepting one credential pair, with one service and no factors yet."""
    return one_service_state()


def test_any_non_empty_pair_passes_when_no_credentials_configured() -> None:
    open_state = EmulatorState()
    assert open_state.is_authorized("SK123", "secret")
    assert not open_state.is_authorized("SK123", "") and not open_state.is_authorized(None, None)


def test_the_emulator_holds_no_malformed_sid(state: EmulatorState) -> None:
    for bad in ("VA" + "0" * 31, "VA" + "x" * 32):
        with pytest.raises(ValueError):
            state.add_service(bad)
    with pytest.raises(ValueError):
        state.add_factor(SERVICE_SID, IDENTITY, sid="YC" + "0" * 32)
    assert state.snapshot()["counts"]["services"] == 1 and state.snapshot()["factors"] == []
