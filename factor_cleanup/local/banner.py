"""What `make run` prints and how it serves: the addresses of every part, and what to try next."""

from __future__ import annotations

import os

from factor_cleanup.local.demo import DEMO_PORT as DEFAULT_PORT
from factor_cleanup.local.stack import LocalStack, StackError
from factor_cleanup.local.verify_emulator import DEMO_DEAD_FACTOR_SID, DEMO_IOS_STALE_FACTOR_SID
from factor_cleanup.runtime import logs


def sweep_every() -> str:
    from factor_cleanup.local.sweep import interval_from_env

    seconds = interval_from_env()
    return f"every {seconds:g} s (SWEEP_INTERVAL_SECONDS)" if seconds > 0 else "off (SWEEP_INTERVAL_SECONDS=0)"


def banner(stack: LocalStack) -> str:
    base = os.environ["PUBLIC_BASE_URL"]
    verify = os.environ["TWILIO_VERIFY_BASE_URL"]
    lines = [
        "push-janitor is running on one machine (Ctrl-C stops it).",
        f"  Debugger webhook  POST {base}/twilio/debugger",
        f"  Verify webhook    POST {base}/twilio/verify",
        f"  App activity      POST {base}/app/activity   (HMAC: X-Push-Janitor-Signature, see README)",
        f"  Inactivity sweep  POST {base}/_local/sweep   (or: make sweep; schedule {sweep_every()})",
        f"  Health            GET  {base}/healthz",
        f"  Cleanup report    GET  {base}/reports/cleanup.json   (or: make report)",
        f"                    GET  {base}/reports/cleanup.html   (.csv too; make report-daily writes them to S3)",
        f"  Verify API        {verify}" + ("  (local emulator with demo data)" if stack.uses_emulator else ""),
        f"  AWS (moto)        {os.environ['AWS_ENDPOINT_URL']}",
        f"  CLEANUP_MODE      {os.environ['CLEANUP_MODE']}   VERIFY_SERVICE_SIDS {os.environ['VERIFY_SERVICE_SIDS']}",
    ]
    if stack.uses_emulator:
        # The make targets find the stack on PORT: another port must be given to each of them too.
        port = "" if stack.port == DEFAULT_PORT else f" PORT={stack.port}"
        deletes = os.environ["CLEANUP_MODE"] == "delete"
        shown = "deleted" if deletes else "would_delete"  # report-only decides and records, deletes nothing
        becomes = "is deleted" if deletes else f"becomes would_delete (make apply SINCE=1h{port} deletes it)"
        lines += [
            "Try it in another terminal:",
            f"  make send-example{port}   # POSTs events/debugger-webhook.json, signed; demo factor "
            f"{DEMO_DEAD_FACTOR_SID} {becomes}",
            f"  make report{port}         # the cleanup report now shows it as {shown}",
            f"  make sweep{port}          # inactivity sweep now: iOS factor {DEMO_IOS_STALE_FACTOR_SID} "
            "(3 expired challenges)",
            f"                      # {becomes.split(' (')[0]}, the factor approved an hour ago is kept; each with its reason",
        ]
    return "\n".join(lines)


def serve(port: int) -> None:
    logs.configure()
    stack = LocalStack(port)
    try:
        web = stack.start()
    except StackError as exc:
        stack.stop()
        raise SystemExit(f"push-janitor: {exc}") from None
    except OSError as exc:
        stack.stop()
        raise SystemExit(
            f"push-janitor: cannot listen on 127.0.0.1:{port} ({exc.strerror}); try PORT=8090 make run"
        ) from None
    print(banner(stack), flush=True)
    try:
        web.serve_forever()
    except KeyboardInterrupt:
        print("stopping", flush=True)
    finally:
        stack.stop()
