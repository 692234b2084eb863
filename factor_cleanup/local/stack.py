"""`make run`: the whole of push-janitor on one machine, wired as on AWS.

moto stands in for SQS/DynamoDB/SSM (resources created from infra/template.yaml), a poller for the
SQS event source mapping, and the Verify emulator for Twilio unless TWILIO_VERIFY_BASE_URL is set.
The handlers are the Lambda handler functions themselves, configured through the template's own
environment variables and parameters.
"""

from __future__ import annotations

import logging
import os
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from werkzeug.serving import BaseWSGIServer, make_server

from factor_cleanup.intake.ingest import ACTIVITY_ROUTE, DEBUGGER_ROUTE, EVENTS_ROUTE, VERIFY_ROUTE
from factor_cleanup.local.demo import DEMO_AUTH_TOKEN
from factor_cleanup.local.demo_registry import DEMO_APP_ACTIVITY_SECRET
from factor_cleanup.local.poller import SqsPoller
from factor_cleanup.local.server import create_app
from factor_cleanup.local.template import create_local_resources, function_environment, parameters_from_environment
from factor_cleanup.local.verify_emulator import (
    DEMO_ACCOUNT_SID,
    DEMO_SERVICE_SID,
    EmulatorState,
    create_emulator_app,
    seed_demo,
)
from factor_cleanup.runtime import bootstrap
from factor_cleanup.runtime.credentials import ConfigurationError

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"
FUNCTIONS = ("IngestFunction", "WorkerFunction", "ActivityFunction", "DailyReportFunction", "SweeperFunction")


class StackError(RuntimeError):
    """The local stack cannot start as configured; the message says what to change."""


@dataclass
class LocalStack:
    port: int
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    background: list[BaseWSGIServer] = field(default_factory=list)
    web: BaseWSGIServer | None = None
    emulator: EmulatorState | None = None
    poller: SqsPoller | None = None
    activity_poller: SqsPoller | None = None
    resources: dict[str, dict] = field(default_factory=dict)
    moto: Any = None
    scheduler: Any = None
    backfill: dict[str, Any] = field(default_factory=dict)

    @property
    def uses_emulator(self) -> bool:
        return not self.env.get("TWILIO_VERIFY_BASE_URL")

    def start(self) -> BaseWSGIServer:
        """Start every part, then return the (not yet serving) web server in front of the handlers."""
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # our JSON logs say what happened
        self._start_moto()
        self._start_verify()
        self._configure_handlers()
        self._check_configuration()
        self._fill_registry()
        from handlers import (  # after the environment is complete
            activity,
            daily_report,
            ingest,
            report,
            sweeper,
            worker,
        )

        for function in (activity, daily_report, ingest, report, sweeper, worker):
            function.app.reset()  # a fresh deployment: each function reads the environment as configured now

        self.poller = SqsPoller(boto3.client("sqs"), os.environ["QUEUE_URL"], worker.handler, wait_seconds=1)
        self.activity_poller = SqsPoller(
            boto3.client("sqs"), os.environ["ACTIVITY_QUEUE_URL"], activity.handler, wait_seconds=1
        )
        for poller in (self.poller, self.activity_poller):
            poller.start()
        routes = {("POST", DEBUGGER_ROUTE): ingest.handler, ("GET", "/reports/cleanup.json"): report.handler}
        from factor_cleanup.local.report_routes import daily_report_route

        routes.update(
            {
                ("GET", "/reports/cleanup.csv"): report.handler,
                ("GET", "/reports/cleanup.html"): report.handler,
                ("POST", "/_local/daily-report"): daily_report_route,
            }
        )
        from factor_cleanup.local.sweep import sweep_route

        routes.update(
            {
                ("POST", VERIFY_ROUTE): ingest.handler,
                ("POST", ACTIVITY_ROUTE): ingest.handler,
                ("POST", EVENTS_ROUTE): ingest.handler,
                ("POST", "/_local/sweep"): sweep_route,
            }
        )
        self._start_sweep_schedule()
        self.web = make_server("127.0.0.1", self.port, create_app(routes, self.health), threaded=True)
        return self.web

    def serve_in_background(self) -> None:
        """For tests: serve the web server on a thread too, so the caller keeps control."""
        assert self.web is not None
        threading.Thread(target=self.web.serve_forever, name="web", daemon=True).start()
        self.background.append(self.web)

    def _start_moto(self) -> None:
        from moto.server import ThreadedMotoServer

        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=int(self.env.get("MOTO_PORT", "0")), verbose=False)
        self.moto.start()
        host, port = self.moto.get_host_and_port()
        os.environ.update(
            AWS_ENDPOINT_URL=f"http://{host}:{port}",
            AWS_ACCESS_KEY_ID="local",
            AWS_SECRET_ACCESS_KEY="local",
            AWS_DEFAULT_REGION=self.env.get("AWS_DEFAULT_REGION", "us-east-1"),
        )
        os.environ.pop("AWS_PROFILE", None)
        os.environ.pop("AWS_SESSION_TOKEN", None)
        # moto keeps its state per process, not per server: start from empty, as a fresh `make run` does.
        urllib.request.urlopen(urllib.request.Request(f"http://{host}:{port}/moto-api/reset", method="POST"), timeout=5)
        self.resources = create_local_resources(
            TEMPLATE, boto3.client("sqs"), boto3.client("dynamodb"), s3_client=boto3.client("s3")
        )

    def _start_verify(self) -> None:
        if not self.uses_emulator:
            return
        account, token = self.account_sid, self.auth_token
        credentials = {(account, token)}
        if self.env.get("TWILIO_API_KEY_SID"):
            credentials.add((self.env["TWILIO_API_KEY_SID"], self.env.get("TWILIO_API_KEY_SECRET", "")))
        self.emulator = EmulatorState(credentials)
        seed_demo(self.emulator, account)
        server = make_server(
            "127.0.0.1",
            int(self.env.get("VERIFY_EMULATOR_PORT", "0")),
            create_emulator_app(self.emulator),
            threaded=True,
        )
        threading.Thread(target=server.serve_forever, name="verify-emulator", daemon=True).start()
        self.background.append(server)
        os.environ["TWILIO_VERIFY_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"

    @property
    def account_sid(self) -> str:
        if self.env.get("TWILIO_ACCOUNT_SID"):
            return self.env["TWILIO_ACCOUNT_SID"]
        if self.uses_emulator:
            return DEMO_ACCOUNT_SID
        raise StackError("TWILIO_VERIFY_BASE_URL is set, so TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are needed too")

    @property
    def auth_token(self) -> str:
        token = self.env.get("TWILIO_AUTH_TOKEN") or (DEMO_AUTH_TOKEN if self.uses_emulator else "")
        if not token:
            raise StackError("set TWILIO_AUTH_TOKEN: it checks X-Twilio-Signature on incoming webhooks")
        return token

    def template_parameters(self) -> dict[str, str]:
        """Local configuration, passed the way `sam deploy --parameter-overrides` would pass it.

        A setting in the shell becomes the parameter its function variable is set from, so it wins over
        the template's Default; the demo's own values apply only where the shell has none.
        """
        services = self.env.get("VERIFY_SERVICE_SIDS") or (DEMO_SERVICE_SID if self.uses_emulator else "")
        # Against the emulator the demo deletes for real; against anything else the safe default holds.
        mode = self.env.get("CLEANUP_MODE") or ("delete" if self.uses_emulator else "report-only")
        return parameters_from_environment(TEMPLATE, self.env) | {
            "TwilioAccountSid": self.account_sid,
            "VerifyServiceSids": services,
            "CleanupMode": mode,
            "PublicBaseUrl": self.env.get("PUBLIC_BASE_URL") or f"http://127.0.0.1:{self.port}",
            "TwilioApiKeySid": self.env.get("TWILIO_API_KEY_SID", ""),
            "AppActivitySecretParameter": "/push-janitor/local/app-activity-secret",
        }

    def _configure_handlers(self) -> None:
        parameters = self.template_parameters()
        for function in FUNCTIONS:
            os.environ.update(function_environment(TEMPLATE, function, self.resources, parameters))
        # The auth token takes the production path: an SSM SecureString read (and cached) at run time.
        ssm = boto3.client("ssm")
        ssm.put_parameter(
            Name=os.environ["TWILIO_AUTH_TOKEN_PARAMETER"], Value=self.auth_token, Type="SecureString", Overwrite=True
        )
        os.environ.pop("TWILIO_AUTH_TOKEN", None)
        if self.env.get("TWILIO_API_KEY_SECRET"):
            name = "/push-janitor/local/twilio-api-key-secret"
            ssm.put_parameter(Name=name, Value=self.env["TWILIO_API_KEY_SECRET"], Type="SecureString", Overwrite=True)
            os.environ["TWILIO_API_KEY_SECRET_PARAMETER"] = name
            os.environ.pop("TWILIO_API_KEY_SECRET", None)
        activity_secret = self.env.get("APP_ACTIVITY_SECRET") or DEMO_APP_ACTIVITY_SECRET
        ssm.put_parameter(
            Name=os.environ["APP_ACTIVITY_SECRET_PARAMETER"], Value=activity_secret, Type="SecureString", Overwrite=True
        )
        os.environ.pop("APP_ACTIVITY_SECRET", None)

    def _check_configuration(self) -> None:
        """Validate the settings every handler will read (one process: the union of the functions' environments)."""
        try:
            bootstrap.load_settings()
        except ConfigurationError as exc:
            raise StackError(str(exc)) from None

    def _configuration_ok(self) -> bool:
        try:
            bootstrap.load_settings()
            return True
        except ConfigurationError:
            return False

    def _fill_registry(self) -> None:
        """Against the emulator, backfill the factor registry from it (as `backfill-registry` does on AWS)."""
        if self.uses_emulator:
            from factor_cleanup.local.sweep import backfill_registry_from_verify

            self.backfill = backfill_registry_from_verify()

    def _start_sweep_schedule(self) -> None:
        from factor_cleanup.local.sweep import IntervalScheduler, interval_from_env, run_sweep

        interval = interval_from_env()
        if interval > 0:
            self.scheduler = IntervalScheduler(run_sweep, interval)
            self.scheduler.start()

    def health(self) -> dict[str, Any]:
        checks = {
            "aws": self._aws_ok(),
            "worker_poller": bool(self.poller and not self.poller.stopped),
            "activity_poller": bool(self.activity_poller and not self.activity_poller.stopped),
            "configuration": self._configuration_ok(),
        }
        if self.uses_emulator:
            checks["verify_emulator"] = self.emulator is not None
        return {"ready": all(checks.values()), "checks": checks, "local": self.addresses()}

    def addresses(self) -> dict[str, str]:
        """Where each part listens, for tools run from another terminal (make load, make dlq-show)."""
        names = {
            "aws_endpoint_url": "AWS_ENDPOINT_URL",
            "region": "AWS_DEFAULT_REGION",
            "queue_url": "QUEUE_URL",
            "activity_queue_url": "ACTIVITY_QUEUE_URL",
            "verify_base_url": "TWILIO_VERIFY_BASE_URL",
            "public_base_url": "PUBLIC_BASE_URL",
            "account_sid": "TWILIO_ACCOUNT_SID",
            "verify_service_sids": "VERIFY_SERVICE_SIDS",
            "ledger_table": "LEDGER_TABLE",
            "safety_table": "SAFETY_TABLE",
            "registry_table": "REGISTRY_TABLE",
            "max_deletions_per_hour": "MAX_DELETIONS_PER_HOUR",
            "max_deletions_percent_per_hour": "MAX_DELETIONS_PERCENT_PER_HOUR",
        }
        found = {key: os.environ.get(variable, "") for key, variable in names.items()}
        found["dead_letter_queue_url"] = self.resources.get("DeadLetterQueue", {}).get("url", "")
        return {key: value for key, value in found.items() if value}

    def _aws_ok(self) -> bool:
        try:
            boto3.client("sqs").get_queue_attributes(QueueUrl=os.environ["QUEUE_URL"], AttributeNames=["QueueArn"])
            return True
        except Exception:  # noqa: BLE001 - whatever fails, the local stack is not ready yet
            return False

    def stop(self) -> None:
        if self.scheduler:
            self.scheduler.stop()
        for poller in (self.poller, self.activity_poller):
            if poller:
                poller.stop()
        for server in self.background:
            server.shutdown()
            server.server_close()
        if self.web and self.web not in self.background:
            self.web.server_close()
        if self.moto:
            self.moto.stop()


def run(port: int) -> None:
    """`make run`: start the stack, print where each part listens, serve until Ctrl-C (local/banner.py)."""
    from factor_cleanup.local.banner import serve

    serve(port)
