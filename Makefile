# push-janitor — every target creates .venv and installs what it needs on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8080

.DEFAULT_GOAL := help
.PHONY: help run test bench send-example sweep report report-daily validate stage breaker-status breaker-reset deploy deploy-params sam-build outputs put-secret configure-twilio check-signature clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP) ## Start everything on 127.0.0.1:PORT (default 8080): moto, webhooks, worker, Verify emulator
	$(PY) -m factor_cleanup run --port $(PORT)

test: $(STAMP) ## Run the test suite
	$(PY) -m pytest -q

bench: $(STAMP) ## Print the benchmarks (ingest cost, Event Streams batch, cold start, drain, sweeper, report, package, AWS cost); ARGS="--quick"
	$(PY) -m bench $(ARGS)

send-example: $(STAMP) ## Send the signed example Debugger webhook to the running stack
	$(PY) -m factor_cleanup send-example --port $(PORT)

sweep: $(STAMP) ## Run the inactivity sweeper on the running stack now and print why each factor went or stayed
	$(PY) -m factor_cleanup sweep --port $(PORT)

report: $(STAMP) ## Cleanup report of the running stack: [SINCE=7d] [FORMAT=table|json|csv|html] [OUT=file]
	$(PY) -m factor_cleanup report --port $(PORT) --since $(or $(SINCE),7d) --format $(or $(FORMAT),table) $(if $(OUT),--out "$(OUT)",)

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
	$(PY) -m pytest -q -p no:logging tests/test_template.py tests/test_template_transformed.py \
		tests/test_template_iam.py tests/test_template_limits.py

configure-twilio: $(STAMP) ## Point Verify webhooks (and EVENT_STREAMS=1: an error-log sink) at BASE_URL=https://…; DRY_RUN=1 previews
	$(PY) -m factor_cleanup configure-twilio --base-url "$(BASE_URL)" $(if $(DRY_RUN),--dry-run,) $(if $(EVENT_STREAMS),--event-streams,)

breaker-status: $(STAMP) ## Show which Verify Services' circuit breakers are open ([SERVICE=VA…])
	$(PY) -m factor_cleanup breaker-status $(if $(SERVICE),--service $(SERVICE),)

breaker-reset: $(STAMP) ## Close a service's circuit breaker and re-queue what it held back: SERVICE=VA…
	@test -n "$(SERVICE)" || { echo "make breaker-reset: give SERVICE=VA…"; exit 2; }
	$(PY) -m factor_cleanup breaker-reset --service $(SERVICE) --replay

check-signature: $(STAMP) ## Explain a failing signature: EVENT=captured-event.json [URL=configured webhook URL]
	$(PY) -m factor_cleanup check-signature --event "$(EVENT)" $(if $(URL),--url "$(URL)",)

stage: ## Copy the Lambda code (handlers/, factor_cleanup/ without local/) to build/lambda for sam build
	rm -rf build/lambda && mkdir -p build/lambda
	cp -r handlers factor_cleanup requirements.txt build/lambda/
	rm -rf build/lambda/factor_cleanup/local
	find build/lambda -name __pycache__ -type d -prune -exec rm -rf {} +

# Deployment: aws-sam-cli pins its own boto3, so it lives in a venv of its own. `sam build` needs
# python3.12 on PATH (the Lambda runtime); `sam deploy` needs AWS credentials.
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

sam-build: $(SAM) stage ## sam build only (no AWS account needed; python3.12 must be on PATH)
	$(SAM) build --config-env $(ENV)

outputs: ## Print the deployed stack's outputs (webhook URLs, queues, tables) for ENV
	aws cloudformation describe-stacks --stack-name $(STACK) --query 'Stacks[0].Outputs' --output table

put-secret: ## Store the Twilio auth token in SSM SecureString for ENV (reads it from TWILIO_AUTH_TOKEN or a prompt)
	@token="$${TWILIO_AUTH_TOKEN:-}"; if [ -z "$$token" ]; then read -rsp "Twilio auth token: " token; echo; fi; \
	aws ssm put-parameter --name /push-janitor/$(ENV)/twilio-auth-token --type SecureString --overwrite --value "$$token" >/dev/null && \
	echo "stored /push-janitor/$(ENV)/twilio-auth-token"

clean: ## Remove the venv, build output and caches
	rm -rf $(VENV) $(SAM_VENV) build .aws-sam .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
