# push-janitor — every target creates .venv and installs what it needs on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8080

.DEFAULT_GOAL := help
.PHONY: help run test test-unit test-integration test-e2e bench send-example sweep report report-daily apply lint lint-format validate stage breaker-status breaker-reset deploy deploy-params sam-build outputs put-secret configure-twilio check-signature clean lock check-lower-bounds

help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-19s %s\n", $$1, $$2}'

# The venv installs the dev lock, hash-checked; a changed lock reinstalls it.
$(STAMP): requirements.lock requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $(STAMP)

# Locks. requirements*.txt say which versions the code works with; the locks pin one version of every
# package with the hash of each of its files. uv resolves once for every platform and Python >= 3.11
# (--universal), so one lock installs on this machine (3.11, x86_64) and in Lambda (3.12, arm64).
# uv's own version is pinned and --upgrade ignores the old locks: the result depends only on the
# requirements files and what the package index holds.
UV_VERSION := 0.13.9
TOOLS_VENV := .venv-tools
UV := $(TOOLS_VENV)/bin/uv
UV_STAMP := $(TOOLS_VENV)/.uv-$(UV_VERSION)
LOCK = $(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes --upgrade \
	--custom-compile-command "make lock"
LOWER_BOUNDS_VENV := build/lower-bounds

$(UV_STAMP):
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/pip install --quiet uv==$(UV_VERSION)
	touch $(UV_STAMP)

run: $(STAMP) ## Start everything on 127.0.0.1:PORT (default 8080): moto, webhooks, worker, Verify emulator
	$(PY) -m factor_cleanup run --port $(PORT)

test: test-unit test-integration test-e2e ## Run every test: unit, then integration, then end to end

test-unit: $(STAMP) ## Unit tests: no servers, no network, no moto (seconds)
	$(PY) -m pytest -q tests/unit

test-integration: $(STAMP) ## Integration tests: the AWS adapters on moto, the template through cfn-lint and the SAM transform
	$(PY) -m pytest -q tests/integration

test-e2e: $(STAMP) ## End-to-end tests: the local stack, the emulators over HTTP, faults, load, the browser
	$(PY) -m pytest -q tests/e2e

# The tools that hold the design; their settings are in pyproject.toml.
lint: lint-format ## Check the code: ruff's lint rules and layout, mypy (strict for domain/ and services/), the import-linter layer contracts
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

lint-format: $(STAMP) ## Check that the layout is ruff format's (fix it with .venv/bin/ruff format .)
	$(VENV)/bin/ruff format --check .

bench: $(STAMP) ## Print the benchmarks (ingest cost, Event Streams batch, cold start, Verify client, EMF metrics, drain, sweeper, report, package, AWS cost); ARGS="--quick"
	$(PY) -m bench $(ARGS)

send-example: $(STAMP) ## Send the signed example Debugger webhook to the running stack
	$(PY) -m factor_cleanup send-example --port $(PORT)

sweep: $(STAMP) ## Run the inactivity sweeper on the running stack now and print why each factor went or stayed
	$(PY) -m factor_cleanup sweep --port $(PORT)

report: $(STAMP) ## Cleanup report of the running stack: [SINCE=7d] [FORMAT=table|json|csv|html] [OUT=file]
	$(PY) -m factor_cleanup report --port $(PORT) --since $(or $(SINCE),7d) --format $(or $(FORMAT),table) $(if $(OUT),--out "$(OUT)",)

apply: $(STAMP) ## Delete exactly the reviewed would_delete decisions: SINCE=7d [SERVICE=VA…] [LIMIT=N] [DRY_RUN=1] (make run's, or LEDGER_TABLE=… QUEUE_URL=… on AWS)
	@test -n "$(SINCE)" || { echo "make apply: give SINCE=7d (the period you reviewed, e.g. with make report SINCE=7d)"; exit 2; }
	$(PY) -m factor_cleanup apply --port $(PORT) --since $(SINCE) $(foreach s,$(SERVICE),--service $(s)) $(if $(LIMIT),--limit $(LIMIT),) $(if $(DRY_RUN),--dry-run,)

report-daily: $(STAMP) ## Run the daily S3 report function on the running stack now: [DAY=YYYY-MM-DD] (default today)
	@curl -sS --fail-with-body -X POST "http://127.0.0.1:$(PORT)/_local/daily-report$(if $(DAY),?day=$(DAY),)"; echo

.PHONY: load dlq-show dlq-redrive
load: $(STAMP) ## Load the running stack: N=500 signed webhooks, C=20 at a time; prints events/s, latency p50/p99, drain time
	$(PY) -m factor_cleanup.local.load --events $(or $(N),500) --concurrency $(or $(C),20) --port $(PORT)

dlq-show: $(STAMP) ## List the dead-letter queue and why (make run's, or DEAD_LETTER_QUEUE_URL=… QUEUE_URL=… on AWS)
	$(PY) -m factor_cleanup dlq-show --port $(PORT)

dlq-redrive: $(STAMP) ## Move dead-lettered messages back to the work queue (MAX=1000); same queues as dlq-show
	$(PY) -m factor_cleanup dlq-redrive --port $(PORT) --max $(or $(MAX),1000)

validate: $(STAMP) ## Check infra/template.yaml offline: cfn-lint, the SAM transform, least-privilege IAM, limits
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(VENV)/bin/cfn-lint infra/template.yaml
	$(PY) -m pytest -q -p no:logging tests/integration/test_template.py tests/integration/test_template_transformed.py \
		tests/integration/test_template_iam.py tests/integration/test_template_limits.py

lock: $(UV_STAMP) ## Re-resolve requirements.txt -> requirements.lock (Lambda) and requirements-dev.txt -> requirements-dev.lock (make test/run, CI)
	$(LOCK) requirements.txt -o requirements.lock
	$(LOCK) requirements-dev.txt -c requirements.lock -o requirements-dev.lock

check-lower-bounds: $(UV_STAMP) ## Install every requirement at its lower bound (build/lower-bounds) and run the tests there
	rm -rf $(LOWER_BOUNDS_VENV)
	$(PYTHON) -m venv --without-pip $(LOWER_BOUNDS_VENV)
	$(UV) pip install --quiet --python $(LOWER_BOUNDS_VENV)/bin/python --resolution lowest-direct -r requirements-dev.txt
	PUSH_JANITOR_LOWER_BOUNDS=1 $(LOWER_BOUNDS_VENV)/bin/python -m pytest -q

configure-twilio: $(STAMP) ## Point Verify webhooks (and EVENT_STREAMS=1: an error-log sink) at BASE_URL=https://… (default PUBLIC_BASE_URL); DRY_RUN=1 previews
	$(PY) -m factor_cleanup configure-twilio $(if $(BASE_URL),--base-url "$(BASE_URL)",) $(if $(DRY_RUN),--dry-run,) $(if $(EVENT_STREAMS),--event-streams,)

breaker-status: $(STAMP) ## Each Verify Service's breaker: open or not, factor count, hourly allowance, deletions, held back ([SERVICE=VA…] [SINCE=24h])
	$(PY) -m factor_cleanup breaker-status --port $(PORT) $(if $(SERVICE),--service $(SERVICE),) $(if $(SINCE),--since $(SINCE),)

breaker-reset: $(STAMP) ## Close a service's circuit breaker and re-queue what it held back: SERVICE=VA…
	@test -n "$(SERVICE)" || { echo "make breaker-reset: give SERVICE=VA…"; exit 2; }
	$(PY) -m factor_cleanup breaker-reset --port $(PORT) --service $(SERVICE) --replay

check-signature: $(STAMP) ## Explain a failing signature: EVENT=captured-event.json [URL=configured webhook URL]
	$(PY) -m factor_cleanup check-signature --event "$(EVENT)" $(if $(URL),--url "$(URL)",)

# The Lambda package: the code plus requirements.lock installed, hash-checked, for the functions' platform
# (uv evaluates the lock's markers for that platform, pip would use this machine's). sam build then copies
# it as it is (BuildMethod: makefile, infra/lambda.mk): SAM's pip builder would fetch the arm64 wheels of
# compiled packages without checking their hashes, and drops every *.so it copies from CodeUri.
STAGE ?= build/lambda
LAMBDA_PLATFORM := --python-platform aarch64-manylinux2014 --python-version 3.12 --only-binary :all:

stage: $(UV_STAMP) ## Stage the Lambda package in build/lambda: handlers/, factor_cleanup/ without local/, requirements.lock for python3.12/arm64
	rm -rf $(STAGE) && mkdir -p $(STAGE)
	cp -r handlers factor_cleanup $(STAGE)/
	rm -rf $(STAGE)/factor_cleanup/local
	find $(STAGE) -name __pycache__ -type d -prune -exec rm -rf {} +
	$(UV) pip install --quiet --require-hashes $(LAMBDA_PLATFORM) --target $(STAGE) -r requirements.lock
	rm -rf $(STAGE)/bin $(STAGE)/.lock
	cp infra/lambda.mk $(STAGE)/Makefile

# Deployment: aws-sam-cli pins its own boto3, so it lives in a venv of its own. `sam build` only copies
# the staged package (no python3.12 needed); `sam deploy` needs AWS credentials.
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
ENV ?= dev
STACK = push-janitor-$(ENV)

$(SAM):
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet aws-sam-cli

CLEANUP_MODE ?= report-only
DEPLOY_PARAMS = Stage=$(ENV) TwilioAccountSid=$(TWILIO_ACCOUNT_SID) VerifyServiceSids=$(VERIFY_SERVICE_SIDS) \
	CleanupMode=$(CLEANUP_MODE) TwilioAuthTokenParameter=/push-janitor/$(ENV)/twilio-auth-token $(PARAMS)

deploy-params:
	@test -n "$(TWILIO_ACCOUNT_SID)" -a -n "$(VERIFY_SERVICE_SIDS)" || \
	  { echo "make deploy: set TWILIO_ACCOUNT_SID=AC… and VERIFY_SERVICE_SIDS=VA…[,VA…] (this environment's service)"; exit 2; }

deploy: deploy-params $(SAM) stage validate ## Build and deploy ENV=dev|prod: needs TWILIO_ACCOUNT_SID, VERIFY_SERVICE_SIDS (CLEANUP_MODE, PARAMS="K=V …" optional)
	$(SAM) build --config-env $(ENV)
	$(SAM) deploy --config-env $(ENV) --parameter-overrides $(DEPLOY_PARAMS)
	@$(MAKE) --no-print-directory outputs ENV=$(ENV)

sam-build: $(SAM) stage ## sam build only: the staged package per function in .aws-sam/build (no AWS account needed)
	$(SAM) build --config-env $(ENV)

outputs: ## Print the deployed stack's outputs (webhook URLs, queues, tables) for ENV
	aws cloudformation describe-stacks --stack-name $(STACK) --query 'Stacks[0].Outputs' --output table

put-secret: ## Store the Twilio auth token in SSM SecureString for ENV (reads it from TWILIO_AUTH_TOKEN or a prompt)
	@token="$${TWILIO_AUTH_TOKEN:-}"; if [ -z "$$token" ]; then read -rsp "Twilio auth token: " token; echo; fi; \
	aws ssm put-parameter --name /push-janitor/$(ENV)/twilio-auth-token --type SecureString --overwrite --value "$$token" >/dev/null && \
	echo "stored /push-janitor/$(ENV)/twilio-auth-token"

clean: ## Remove the venvs, build output and caches
	rm -rf $(VENV) $(SAM_VENV) $(TOOLS_VENV) build .aws-sam .pytest_cache .hypothesis .mypy_cache .ruff_cache .import_linter_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
