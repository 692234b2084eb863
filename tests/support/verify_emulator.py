"""The Verify emulator's state as its tests start it: one credential pair and one service, no factors yet."""

from __future__ import annotations

from factor_cleanup.local.verify_emulator import EmulatorState

ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "emulator-test-token"
SERVICE_SID = "VA" + "5" * 32
IDENTITY = "user-0042-abcd"


def one_service_state() -> EmulatorState:
    """An emulator accepting one credential pair, with one service and no factors yet."""
    emulator = EmulatorState({(ACCOUNT_SID, AUTH_TOKEN)}, seed=7)
    emulator.add_service(SERVICE_SID, account_sid=ACCOUNT_SID)
    return emulator
