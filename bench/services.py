"""The Verify emulator in a process of its own, as Twilio is remote to a Lambda: its CPU stays off the worker's GIL.

`python -m bench.services verify N LATENCY_MS ACCOUNT TOKEN SERVICE` prints `PORT <n>` once it listens on
127.0.0.1 and serves until its stdin closes. The emulator is
seeded with N factors whose SIDs and identities `factor(i)` gives, so the parent can name them.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import ExitStack
from typing import Any

from bench.common import ENROLLED, ROOT, child_env, python


def factor(i: int) -> tuple[str, str]:
    """(identity, factor SID) of the i-th seeded factor."""
    return f"user-{i:06d}", f"YF{i:032x}"


def _serve_verify(count: int, latency_ms: int, account_sid: str, token: str, service_sid: str) -> int:
    import logging

    from werkzeug.serving import make_server

    from factor_cleanup.local.verify_emulator import EmulatorState, create_emulator_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    state = EmulatorState({(account_sid, token)})
    state.add_service(service_sid, "bench", account_sid)
    for i in range(count):
        identity, sid = factor(i)
        state.add_factor(service_sid, identity, sid=sid, created=ENROLLED)
    state.set_faults(latency_ms=latency_ms)
    server = make_server("127.0.0.1", 0, create_emulator_app(state), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_port


def start(stack: ExitStack, *args: str) -> str:
    """Start `python -m bench.services ARGS` and return its base URL; the stack stops it (by its own pid)."""
    process = subprocess.Popen(
        [python(), "-m", "bench.services", *args],
        cwd=ROOT,
        env=child_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    stack.callback(_stop, process)
    line = process.stdout.readline() if process.stdout else ""
    if not line.startswith("PORT "):
        raise RuntimeError(f"bench.services {' '.join(args)} did not start (got {line!r})")
    url = f"http://127.0.0.1:{int(line.split()[1])}"
    deadline = time.monotonic() + 30
    while True:  # listening is not the same as answering: wait for a first HTTP answer
        try:
            urllib.request.urlopen(url + "/_emulator/state", timeout=2)
            return url
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def state(url: str) -> dict[str, Any]:
    import json

    with urllib.request.urlopen(url + "/_emulator/state", timeout=30) as answer:
        return json.load(answer)


def _stop(process: subprocess.Popen) -> None:
    if process.stdin:
        process.stdin.close()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def main(argv: list[str]) -> None:
    port = _serve_verify(int(argv[1]), int(argv[2]), *argv[3:6])
    print(f"PORT {port}", flush=True)
    sys.stdin.read()  # serve until the parent closes our stdin (or exits)


if __name__ == "__main__":
    main(sys.argv[1:])
