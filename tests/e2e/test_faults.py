"""Fault injection on the real path: ingest handler -> SQS (moto) -> poller -> Worker -> Twilio's REST client ->
the Verify emulator over HTTP on 127.0.0.1 -> DynamoDB ledger and idempotency table (moto).

Verify answers 429/500/503 to ~30% of calls; SQS and DynamoDB calls of the ingest, the poller, the worker,
the ledger and the idempotency store fail now and then, through `FlakyAws`, a stand-in client that raises
botocore's ClientError either instead of the call or after it took effect (a lost response). Time is
compressed instead of slept through: a retry the worker postpones comes back at once, an in-progress
duplicate or an unacknowledged message after one second, and the Lambda budget is 0.8 s, so an
interrupted attempt's idempotency lock has expired by the time its message returns.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from werkzeug.serving import make_server

from factor_cleanup.adapters.aws import dlq
from factor_cleanup.adapters.aws.ledger import DynamoDbLedger
from factor_cleanup.adapters.aws.registry import DynamoDbFactorRegistry
from factor_cleanup.adapters.aws.sqs_queue import SqsWorkQueue
from factor_cleanup.adapters.twilio.verify_api import TwilioVerifyApi
from factor_cleanup.domain.ports import VerifyNotFound, VerifyRetryable
from factor_cleanup.local.events import LocalLambdaContext, api_gateway_event
from factor_cleanup.local.poller import SqsPoller
from factor_cleanup.local.signing import signed_form
from factor_cleanup.local.verify_emulator import EmulatorState, create_emulator_app
from factor_cleanup.runtime import http_function
from factor_cleanup.runtime.bootstrap import build_app
from factor_cleanup.runtime.deadline import RecordBudget
from factor_cleanup.runtime.worker import IN_PROGRESS_RETRY_SECONDS
from tests.aws import local_aws
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, BASE_URL, SERVICE_SID, debugger_params
from tests.fake_app import settings
from tests.summary import show_at_end

OTHER_SERVICE_SID = "VA" + "e" * 32  # exists in Verify, not in VERIFY_SERVICE_SIDS
LAMBDA_BUDGET_SECONDS = 0.8
RETRY_AFTER_SECONDS = 45
# Enrolled before the errors (their Timestamp, tests/conftest.py: 2026-11-25T11:59:00Z): a factor Verify shows
# updated after its error, or up to CLOCK_SKEW before it, is alive.
ENROLLED = datetime(2026, 11, 1, tzinfo=UTC)
FIGURES: dict[str, str] = {}


@pytest.fixture(scope="module", autouse=True)
def _figures(request):
    show_at_end(request.config, "faults", lambda: "\n".join(FIGURES.values()))


# --- stand-ins around the real adapters ------------------------------------------------------------------
class LambdaTimeout(BaseException):
    """Lambda stopping the sandbox: nothing in the function catches it, as nothing survives the real thing."""


class KillSwitch:
    """Once tripped, every AWS or Verify call of the dying worker raises LambdaTimeout before doing anything."""

    def __init__(self, after_deletes: int | None = None) -> None:
        self.after_deletes = after_deletes
        self.tripped_on: str | None = None
        self._deleted = 0
        self._lock = threading.Lock()

    def check(self) -> None:
        if self.tripped_on:
            raise LambdaTimeout("killed")

    def deleted(self, factor_sid: str) -> None:
        with self._lock:
            self._deleted += 1
            if self._deleted == self.after_deletes:
                self.tripped_on = factor_sid
        self.check()


class FlakyAws:
    """A boto3 client whose chosen operations fail at the given rates, with the ClientError AWS would give.

    A share of the faults comes *after* the call took effect (the response was lost): SendMessage then
    leaves a duplicate, a DynamoDB write is stored although the caller saw it fail.
    """

    def __init__(
        self,
        client: Any,
        rates: dict[str, float],
        seed: int,
        after_share: float = 0.3,
        switch: KillSwitch | None = None,
    ) -> None:
        self._client, self._rates, self._after_share, self._switch = client, rates, after_share, switch
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.faults: Counter[str] = Counter()
        self.failed_calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)
        if not callable(real):
            return real

        def call(*args: Any, **kwargs: Any) -> Any:
            if self._switch:
                self._switch.check()
            with self._lock:
                fail = self._random.random() < self._rates.get(name, 0.0)
                after = fail and self._random.random() < self._after_share
            if fail and not after:
                raise self._fault(name, "before", kwargs)
            result = real(*args, **kwargs)
            if fail:
                raise self._fault(name, "after", kwargs)
            return result

        return call

    def _fault(self, name: str, when: str, kwargs: dict[str, Any]) -> ClientError:
        with self._lock:
            self.faults[f"{name}/{when}"] += 1
            self.failed_calls.append((name, kwargs))
        operation = "".join(part.title() for part in name.split("_"))
        code = "ProvisionedThroughputExceededException" if "item" in name else "ServiceUnavailable"
        return ClientError({"Error": {"Code": code, "Message": f"injected ({when} the call)"}}, operation)


class RecordingVerify:
    """The real Twilio client, with every DELETE's answer written down per factor."""

    def __init__(self, inner: TwilioVerifyApi, switch: KillSwitch | None = None) -> None:
        self._inner, self._switch = inner, switch
        self.answers: dict[str, Counter[str]] = defaultdict(Counter)
        self.retry_afters: list[float | None] = []
        self._lock = threading.Lock()

    def delete_factor(self, service_sid: str, identity: str, factor_sid: str) -> None:
        if self._switch:
            self._switch.check()
        try:
            self._inner.delete_factor(service_sid, identity, factor_sid)
        except VerifyNotFound:
            self._note(factor_sid, "404")
            raise
        except VerifyRetryable as exc:
            status = re.search(r"HTTP (\d+)", str(exc))
            self._note(factor_sid, status.group(1) if status else "unreachable", exc.retry_after)
            raise
        self._note(factor_sid, "204")
        if self._switch:
            self._switch.deleted(factor_sid)

    def fetch_factor(self, service_sid: str, identity: str, factor_sid: str) -> Any:
        if self._switch:
            self._switch.check()
        return self._inner.fetch_factor(service_sid, identity, factor_sid)

    def _note(self, factor_sid: str, answer: str, retry_after: float | None = None) -> None:
        with self._lock:
            self.answers[factor_sid][answer] += 1
            if answer == "429":
                self.retry_afters.append(retry_after)

    def total(self) -> Counter[str]:
        return sum(self.answers.values(), Counter())


class CompressedBackoff(SqsWorkQueue):
    """The worker's queue: it records each retry delay asked for, then sets a compressed visibility timeout."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        super().__init__(sqs, queue_url)
        self.requested: list[int] = []

    def delay_retry(self, receipt_handle: str, seconds: int) -> None:
        self.requested.append(seconds)
        super().delay_retry(receipt_handle, 1 if seconds >= IN_PROGRESS_RETRY_SECONDS else 0)


# --- the stack under test ----------------------------------------------------------------------------------
@pytest.fixture
def emulator():
    state = EmulatorState({(ACCOUNT_SID, AUTH_TOKEN)}, seed=5)
    state.add_service(SERVICE_SID, account_sid=ACCOUNT_SID)
    state.add_service(OTHER_SERVICE_SID, account_sid=ACCOUNT_SID)
    server = make_server("127.0.0.1", 0, create_emulator_app(state), threaded=True)
    threading.Thread(target=server.serve_forever, name="verify-emulator", daemon=True).start()
    yield state, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def aws(restore_environ):
    for name in (
        "AWS_ENDPOINT_URL",
        "TWILIO_AUTH_TOKEN_PARAMETER",
        "TWILIO_AUTH_TOKEN_PREVIOUS",
        "WEBHOOK_URL_FRAGMENT",
    ):
        restore_environ.pop(name, None)
    with mock_aws():
        local = local_aws()
        local.sqs.set_queue_attributes(QueueUrl=local.queue_url, Attributes={"VisibilityTimeout": "1"})
        restore_environ.update(
            TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            PUBLIC_BASE_URL=BASE_URL,
            QUEUE_URL=local.queue_url,
        )
        yield local


class Pipeline:
    """Ingest, poller and worker built by bootstrap, each AWS client behind its own FlakyAws."""

    def __init__(
        self,
        aws,
        verify_url: str,
        aws_fault_rate: float = 0.0,
        switch: KillSwitch | None = None,
        max_in_flight: int = 4,
        seed: int = 1,
    ) -> None:
        rate = aws_fault_rate
        self.aws = aws
        self.clients = {
            "ingest sqs": FlakyAws(aws.sqs, {"send_message": rate}, seed),
            "poller sqs": FlakyAws(aws.sqs, {"receive_message": rate / 2, "delete_message_batch": rate}, seed + 1),
            "worker sqs": FlakyAws(aws.sqs, {"change_message_visibility": rate}, seed + 2, switch=switch),
            "ledger dynamodb": FlakyAws(aws.dynamodb, {"put_item": rate}, seed + 3, switch=switch),
            "idempotency dynamodb": FlakyAws(
                aws.dynamodb,
                dict.fromkeys(("put_item", "get_item", "update_item", "delete_item"), rate),
                seed + 4,
                switch=switch,
            ),
            "registry dynamodb": FlakyAws(
                aws.dynamodb, {"get_item": rate / 2, "update_item": rate}, seed + 5, switch=switch
            ),
        }
        real_verify = TwilioVerifyApi(
            ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN, base_url=verify_url, timeout=5, max_in_flight=max_in_flight
        )
        self.verify = RecordingVerify(real_verify, switch)
        self.backoff = CompressedBackoff(self.clients["worker sqs"], aws.queue_url)
        config = settings(
            public_base_url=BASE_URL,
            queue_url=aws.queue_url,
            idempotency_table=aws.idempotency_table,
            idempotency_window_seconds=3600,
            worker_record_concurrency=max_in_flight,
        )
        worker = build_app(
            config,
            verify=self.verify,
            work_queue=self.backoff,
            aws={"dynamodb": self.clients["idempotency dynamodb"]}.__getitem__,
            ledger=DynamoDbLedger(self.clients["ledger dynamodb"], aws.ledger_table),
            registry=DynamoDbFactorRegistry(self.clients["registry dynamodb"], aws.registry_table),
        )
        # The Lambda's time is compressed to LAMBDA_BUDGET_SECONDS so in-progress locks expire quickly; at that
        # scale the deadline would hold every record back, so it budgets nothing here (test_worker_deadline.py).
        worker.record_budget = RecordBudget(verify_timeout_seconds=0, record_overhead_seconds=0, reserve_seconds=0)
        self.worker = worker.worker
        self.poller = SqsPoller(self.clients["poller sqs"], aws.queue_url, self._invoke, batch_size=10, wait_seconds=1)
        self.ingest = build_app(config, work_queue=SqsWorkQueue(self.clients["ingest sqs"], aws.queue_url)).ingest
        self.figures: Counter[str] = Counter()

    def _invoke(self, event: dict[str, Any], _context: Any) -> dict[str, Any]:
        self.figures["invocations"] += 1
        self.figures["records received"] += len(event["Records"])
        return self.worker.handle_batch(event, LocalLambdaContext(timeout_seconds=LAMBDA_BUDGET_SECONDS))

    def post(self, params: dict[str, str], tries: int = 6) -> bool:
        """POST a signed webhook to the ingest function, retrying on 503 as Twilio would; True once acknowledged."""
        body, headers = signed_form(BASE_URL + "/twilio/debugger", params, AUTH_TOKEN)
        for _ in range(tries):
            event = api_gateway_event("POST", "/twilio/debugger", body=body, headers=headers)
            answer = http_function.answer(event, lambda: self.ingest)
            self.figures[f"ingest {answer['statusCode']}"] += 1
            if answer["statusCode"] == 200:
                return True
            assert answer["statusCode"] == 503, answer  # the only refusal a well-formed, signed event may get
        return False

    def drain(self, seconds: float = 90.0) -> None:
        """Poll until the work queue is empty (bounded in time): failed records come back, as SQS sends them."""
        deadline = time.monotonic() + seconds
        while self.aws.queue_depth(self.aws.queue_url):
            assert time.monotonic() < deadline, f"the work queue did not drain in {seconds} s"
            try:
                self.poller.poll_once()
            except Exception:  # noqa: BLE001 - an injected ReceiveMessage/DeleteMessageBatch fault
                self.figures["poll failures"] += 1

    def ledger(self) -> dict[str, dict[str, str]]:
        items = self.aws.dynamodb.scan(TableName=self.aws.ledger_table)["Items"]
        return {item["event_sid"]["S"]: {k: v["S"] for k, v in item.items() if "S" in v} for item in items}

    def failed_writes(self, *outcomes: str) -> Counter[str]:
        """Per event, the ledger or idempotency writes of a decision with one of `outcomes` that failed.

        Such a write comes after Verify answered the DELETE; its attempt is retried, and the retry's DELETE
        meets a 404 (for `deleted`, the factor is then reported already_gone).
        """
        failed: Counter[str] = Counter()
        for name, kwargs in self.clients["ledger dynamodb"].failed_calls:
            if name == "put_item" and kwargs["Item"]["outcome"]["S"] in outcomes:
                failed[kwargs["Item"]["event_sid"]["S"]] += 1
        for name, kwargs in self.clients["idempotency dynamodb"].failed_calls:
            response = kwargs.get("ExpressionAttributeValues", {}).get(":response_data", {}).get("S", "")
            outcome = re.search(r'"outcome":\s*"([a-z_]+)"', response)
            if name == "update_item" and outcome and outcome.group(1) in outcomes:
                failed[re.search(r'"event_sid":\s*"([^"]+)"', response).group(1)] += 1
        return failed


def new_sid(rng: random.Random, prefix: str) -> str:
    return f"{prefix}{rng.getrandbits(128):032x}"


def event_params(
    rng: random.Random,
    service: str,
    identity: str,
    factor: str,
    code: str = "52103",
    description: str = "Notification delivery failed: app uninstalled",
    ids: str | None = None,
) -> dict[str, str]:
    params = debugger_params(
        sid=new_sid(rng, "NO"),
        error_code=code,
        description=description,
        correlation_ids=ids or f"[{factor}, {identity}, {service}, {new_sid(rng, 'YC')}]",
    )
    if service != SERVICE_SID:  # the conftest payload names SERVICE_SID; keep it consistent with the ids
        params["Payload"] = params["Payload"].replace(SERVICE_SID, service)
    return params


# --- the fault run -----------------------------------------------------------------------------------------
def test_under_verify_and_aws_faults_every_acknowledged_event_is_decided_once(aws, emulator):
    state, verify_url = emulator
    rng = random.Random(2026)
    state.set_faults(error_rate=0.3, error_statuses=(429, 500, 503), retry_after=RETRY_AFTER_SECONDS)
    run = Pipeline(aws, verify_url, aws_fault_rate=0.1)

    def live(service: str) -> tuple[str, str]:
        identity = f"user-{rng.getrandbits(32):08x}"
        return identity, state.add_factor(service, identity, sid=new_sid(rng, "YF"), created=ENROLLED)["sid"]

    plan: list[tuple[str, dict[str, str], str]] = []  # (kind, params, factor)
    uninstalled = [live(SERVICE_SID) for _ in range(90)]
    for identity, factor in uninstalled:
        plan.append(
            (
                "uninstalled",
                event_params(rng, SERVICE_SID, identity, factor, rng.choice(["52103", "52141", "52119"])),
                factor,
            )
        )
    for identity, factor in uninstalled[:10]:  # a second, distinct event about the same dead factor
        plan.append(("uninstalled", event_params(rng, SERVICE_SID, identity, factor), factor))
    for _ in range(12):  # deleted before this run: Verify answers 404
        identity, factor = f"user-{rng.getrandbits(32):08x}", new_sid(rng, "YF")
        plan.append(("already deleted", event_params(rng, SERVICE_SID, identity, factor), factor))
    for n in range(12):  # configuration errors hit every device: never a reason to delete
        identity, factor = live(SERVICE_SID)
        code, text = [
            ("52134", "Invalid APNs device token"),
            ("52109", "GCM/FCM unauthorized error"),
            ("52103", "401 http response from Fcm Service"),
        ][n % 3]
        plan.append(("configuration", event_params(rng, SERVICE_SID, identity, factor, code, text), factor))
    for _ in range(8):
        identity, factor = live(OTHER_SERVICE_SID)
        plan.append(("unmanaged", event_params(rng, OTHER_SERVICE_SID, identity, factor), factor))
    for _ in range(6):
        identity, factor = live(SERVICE_SID)
        ids = f"[{SERVICE_SID}, {identity}, {factor}, {new_sid(rng, 'YF')}]"
        plan.append(("ambiguous", event_params(rng, SERVICE_SID, identity, factor, ids=ids), factor))
    plan += rng.sample(plan, 20)  # Twilio delivering the same event again (same Sid)
    rng.shuffle(plan)

    accepted = {params["Sid"] for _, params, _ in plan if run.post(params)}
    run.drain()
    dead_lettered = redriven = 0
    for _ in range(3):  # what exhausted maxReceiveCount waits in the DLQ, explained, and is redriven
        letters = dlq.show(aws.sqs, aws.dlq_url)
        if not letters:
            break
        assert all(letter.kind == "push_failure" and "Safe to redrive" in letter.why for letter in letters)
        dead_lettered += len(letters)
        redriven += dlq.redrive(aws.sqs, aws.dlq_url, aws.queue_url).moved
        run.drain()
    assert aws.queue_depth(aws.dlq_url) == 0

    ledger = run.ledger()
    events = {params["Sid"]: (kind, factor) for kind, params, factor in plan}
    assert accepted <= set(ledger) <= set(events)  # nothing acknowledged is missing, nothing invented
    lost_deletes = run.failed_writes("deleted")
    after_answer = run.failed_writes("deleted", "already_gone")
    by_factor: dict[str, set[str]] = defaultdict(set)
    for sid, (_kind, factor) in events.items():
        by_factor[factor].add(sid)
    expected = {
        "uninstalled": {"deleted", "already_gone"},
        "already deleted": {"already_gone"},
        "configuration": {"skipped"},
        "unmanaged": {"skipped"},
        "ambiguous": {"skipped"},
    }
    unexplained = []
    for factor, sids in by_factor.items():
        kind = events[next(iter(sids))][0]
        outcomes = [ledger[sid]["outcome"] for sid in sids if sid in ledger]
        assert set(outcomes) <= expected[kind], (kind, factor, outcomes)
        answers = run.verify.answers.get(factor, Counter())
        assert state.successful_deletes(factor) <= 1
        if kind == "uninstalled":
            assert not state.has_factor(factor) and state.successful_deletes(factor) == 1
            assert outcomes.count("deleted") <= 1
            if "deleted" not in outcomes and not any(lost_deletes[sid] for sid in sids):
                unexplained.append(factor)  # we deleted it, yet no event says so and no failure explains why
        elif kind == "already deleted":
            assert answers["204"] == 0
        else:  # skipped: Verify was never even asked to delete it
            assert state.has_factor(factor) and state.delete_calls(factor) == 0, (kind, factor)
        # Definitive answers (204/404) beyond one per distinct event need a failure after a DELETE to explain them.
        assert answers["204"] + answers["404"] <= len(sids) + sum(after_answer[sid] for sid in sids), (factor, answers)
    assert unexplained == []
    # Retry-After is honoured: each 429 postpones its message at least that long, unless the idempotency
    # record could not be released (DeleteItem failed), in which case the queue's visibility timeout applies.
    honoured = [s for s in run.backoff.requested if s >= RETRY_AFTER_SECONDS]
    unreleased = sum(n for op, n in run.clients["idempotency dynamodb"].faults.items() if op.startswith("delete_item"))
    assert all(r == RETRY_AFTER_SECONDS for r in run.verify.retry_afters)
    assert len(honoured) >= len(run.verify.retry_afters) - unreleased

    outcomes = Counter(row["outcome"] for row in ledger.values())
    faults = sum((client.faults for client in run.clients.values()), Counter())
    FIGURES["faults"] = (
        f"fault run: {len(plan)} webhook deliveries ({len(events)} distinct events, {len(plan) - len(events)} repeated), "
        f"{len(accepted)} acknowledged ({run.figures['ingest 503']} answered 503 first, then retried); "
        f"worker: {run.figures['invocations']} invocations, {run.figures['records received']} records received, "
        f"{len(run.backoff.requested)} postponed retries, {run.figures['poll failures']} failed polls; "
        f"Verify DELETE answers {dict(sorted(run.verify.total().items()))}; "
        f"AWS faults injected {sum(faults.values())} {dict(sorted(faults.items()))}; "
        f"DLQ {dead_lettered} dead-lettered, {redriven} redriven; ledger {len(ledger)} rows {dict(sorted(outcomes.items()))}; "
        f"{sum(after_answer.values())} decision writes failed after Verify answered ({sum(lost_deletes.values())} "
        f"of them after a 204; their events' rows: {dict(sorted(Counter(ledger[sid]['outcome'] for sid in lost_deletes).items()))}"
        f" - deleted where the registry recorded the DELETE, already_gone where that write failed too)"
    )


# --- a Lambda killed mid-batch -----------------------------------------------------------------------------
def test_a_worker_killed_mid_batch_deletes_nothing_twice_when_the_batch_comes_back(aws, emulator):
    state, verify_url = emulator
    rng = random.Random(7)
    feeder, factors = Pipeline(aws, verify_url), []
    for _ in range(10):
        identity = f"user-{rng.getrandbits(32):08x}"
        factor = state.add_factor(SERVICE_SID, identity, sid=new_sid(rng, "YF"), created=ENROLLED)["sid"]
        factors.append(factor)
        assert feeder.post(event_params(rng, SERVICE_SID, identity, factor))

    switch = KillSwitch(after_deletes=4)
    dying = Pipeline(aws, verify_url, switch=switch, max_in_flight=1)  # one record at a time: a fixed kill point
    with pytest.raises(LambdaTimeout):
        dying.poller.poll_once()  # Lambda returns no response at all, so the poller deletes nothing
    killed = switch.tripped_on
    assert sum(state.successful_deletes(f) for f in factors) == 4
    assert len(dying.ledger()) == 3  # the 4th was killed between Verify's 204 and its ledger write
    assert not state.has_factor(killed) and killed not in {row["factor_sid"] for row in dying.ledger().values()}
    assert aws.queue_depth(aws.queue_url) == 10  # the whole batch comes back

    fresh = Pipeline(aws, verify_url)  # a new sandbox picks the batch up after the visibility timeout
    fresh.drain()
    ledger = fresh.ledger()
    assert len(ledger) == 10 and all(state.successful_deletes(f) == 1 and not state.has_factor(f) for f in factors)
    for factor in factors:
        [row] = [row for row in ledger.values() if row["factor_sid"] == factor]
        # The killed record's retry meets a 404 (its factor look-up finds it gone); the intent it wrote before
        # the DELETE says the deletion was its own, so it too is `deleted`, not someone else's `already_gone`.
        assert row["outcome"] == "deleted" and row["reason_code"] == "uninstalled"
        assert state.delete_calls(factor) == 1
    FIGURES["kill"] = (
        f"killed mid-batch: 10 records, Lambda stopped after 4 DELETEs (3 recorded); redelivered: 10 decisions, "
        f"{sum(state.delete_calls(f) for f in factors)} DELETE calls for 10 factors, each deleted once, all 10 `deleted`"
    )


def test_an_identity_cannot_steer_the_delete_to_another_factor(emulator):
    """correlationIds come from a signed webhook, but the identity in them is free text: it stays one path segment."""
    state, verify_url = emulator
    victim = state.add_factor(SERVICE_SID, "victim-user-0001")["sid"]
    ours = state.add_factor(SERVICE_SID, "our-user-00001")["sid"]
    api = TwilioVerifyApi(ACCOUNT_SID, ACCOUNT_SID, AUTH_TOKEN, base_url=verify_url, timeout=5, max_in_flight=1)
    for identity in (
        f"victim-user-0001/Factors/{victim}#",
        f"victim-user-0001/Factors/{victim}?x=",
        "../Entities/victim-user-0001",
    ):
        with pytest.raises(VerifyNotFound):
            api.delete_factor(SERVICE_SID, identity, ours)
    assert state.has_factor(victim) and state.has_factor(ours)
    api.delete_factor(SERVICE_SID, "our-user-00001", ours)
    assert not state.has_factor(ours) and state.has_factor(victim)
