"""Unit tests run without servers, network or moto: each of those fails the test that reaches for it.

- A socket other than a Unix one cannot even be created (pytest-socket): no HTTP to 127.0.0.1, no
  server, no moto in server mode, no boto3 call that would leave the process. The attempt fails the
  test even where the code under test catches the error (as a queue adapter turns it into a 503).
- moto cannot start: imported inside a test it is not found, and when another kind of test in the
  same run imported it already, `mock_aws` refuses to start.
- A run of the unit tests alone must not import moto at all, not even through a helper module.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# urllib3's import opens a socket to probe IPv6 (no traffic): import it here, before sockets are refused,
# not inside whichever unit test happens to import it first.
import urllib3.util.connection  # noqa: F401
from pytest_socket import (
    SocketBlockedError,
    disable_socket,
    enable_socket,
)

UNIT = Path(__file__).parent


class MotoInUnitTest(RuntimeError):
    """A unit test started moto: it belongs in tests/integration."""


def _refuse_moto(*_args: object, **_kwargs: object) -> None:
    raise MotoInUnitTest("moto in a unit test: move the test to tests/integration")


@pytest.fixture(autouse=True)
def _no_network_no_moto(monkeypatch: pytest.MonkeyPatch):
    if "moto" in sys.modules:
        from moto.core.models import MockAWS

        monkeypatch.setattr(MockAWS, "start", _refuse_moto)
    else:
        monkeypatch.setitem(sys.modules, "moto", None)  # `import moto` raises ModuleNotFoundError
    blocked = _record_blocked_sockets(monkeypatch)
    disable_socket(allow_unix_socket=True)
    try:
        yield
    finally:
        enable_socket()
    if blocked:
        pytest.fail(f"a unit test reached for the network ({blocked[0]}): move it to tests/integration or tests/e2e")


def _record_blocked_sockets(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every socket pytest-socket refused during the test, caught by the code under test or not."""
    blocked: list[str] = []
    refuse = SocketBlockedError.__init__

    def recording(error: SocketBlockedError, *args: object, **kwargs: object) -> None:
        refuse(error, *args, **kwargs)
        blocked.append(str(error))

    monkeypatch.setattr(SocketBlockedError, "__init__", recording)
    return blocked


def pytest_collection_finish(session: pytest.Session) -> None:
    """Only when nothing but unit tests was collected: no module they import may have imported moto."""
    paths = {Path(item.path) for item in session.items}
    if paths and all(UNIT in path.parents for path in paths) and "moto" in sys.modules:
        raise pytest.UsageError(
            "moto was imported while collecting tests/unit: a unit test module or a helper it "
            "imports uses moto; move that test to tests/integration"
        )
