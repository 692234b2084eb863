# push-janitor — every target creates .venv and installs what it needs on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8080

.DEFAULT_GOAL := help
.PHONY: help run test send-example report validate stage clean

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

send-example: $(STAMP) ## Send the signed example Debugger webhook to the running stack
	$(PY) -m factor_cleanup send-example --port $(PORT)

report: $(STAMP) ## Print the cleanup report of the running stack
	$(PY) -m factor_cleanup report --port $(PORT)

validate: $(STAMP) ## Lint infra/template.yaml offline with cfn-lint
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(VENV)/bin/cfn-lint infra/template.yaml

configure-twilio: $(STAMP) ## Create/update each Verify Service webhook (BASE_URL=https://…, DRY_RUN=1 to preview)
	$(PY) -m factor_cleanup configure-twilio --base-url "$(BASE_URL)" $(if $(DRY_RUN),--dry-run,)

check-signature: $(STAMP) ## Explain a failing signature: EVENT=captured-event.json [URL=configured webhook URL]
	$(PY) -m factor_cleanup check-signature --event "$(EVENT)" $(if $(URL),--url "$(URL)",)

stage: ## Copy the Lambda code (handlers/, factor_cleanup/ without local/) to build/lambda for sam build
	rm -rf build/lambda && mkdir -p build/lambda
	cp -r handlers factor_cleanup requirements.txt build/lambda/
	rm -rf build/lambda/factor_cleanup/local
	find build/lambda -name __pycache__ -type d -prune -exec rm -rf {} +

clean: ## Remove the venv, build output and caches
	rm -rf $(VENV) build .aws-sam .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
