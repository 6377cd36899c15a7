# Every target installs what it needs: `make test` and `make local` work on a fresh clone.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV        := .venv
CHECKOV_VENV := .venv-checkov
BIN         := $(CURDIR)/$(VENV)/bin
PY          := $(BIN)/python
# sam build looks for python3.13 on PATH: the venv's bin provides it.
export PATH := $(BIN):$(PATH)

# python3.13 is not the default interpreter here (a pyenv shim may exist and still refuse to run): take the
# first candidate that really runs 3.13, from PATH, from pyenv, or from pyenv's folder.
PYTHON313 := $(or $(PYTHON313),$(shell for c in "$$(command -v python3.13)" "$$(PYENV_VERSION=3.13.0 pyenv which python3.13 2>/dev/null)" \
	$$HOME/.pyenv/versions/3.13*/bin/python3.13; do \
	[ -n "$$c" ] && "$$c" -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1 && { echo "$$c"; break; }; \
	done))

TEMPLATES   := template.yaml waf.yaml monitoring.yaml
# The CI/CD bootstrap stack (deployed once per environment by hand, see README): linted and scanned like the app.
TEMPLATES   += pipeline/bootstrap.yaml
HOST        ?= 127.0.0.1
PORT        ?= 3000

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed -e 's/$$(HOST)/$(HOST)/g' -e 's/$$(PORT)/$(PORT)/g' \
		| awk -F ':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements-dev.txt
	@test -n "$(PYTHON313)" || { echo "python3.13 not found (PATH, pyenv 3.13.x)"; exit 1; }
	$(PYTHON313) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	@test -n "$(PYTHON313)" || { echo "python3.13 not found (PATH, pyenv 3.13.x)"; exit 1; }
	$(PYTHON313) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements-checkov.txt
	touch $@

.PHONY: venv
venv: $(VENV)/.installed ## Create .venv with the pinned dev requirements

# Node tooling (Redocly CLI: OpenAPI lint, rendered API reference), pinned by package-lock.json.
NODE_BIN    := $(CURDIR)/node_modules/.bin
DOCS_HTML   := build/api-reference.html

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

.PHONY: docs
docs: $(DOCS_HTML) ## Render openapi.yaml to build/api-reference.html (make local serves it at /docs)

# --inlineBundle: the page carries Redoc itself and fetches nothing from a CDN when read.
$(DOCS_HTML): openapi.yaml redocly.yaml node_modules/.installed
	$(NODE_BIN)/redocly build-docs openapi.yaml --inlineBundle --output $@

.PHONY: lint
lint: venv node_modules/.installed ## ruff, mypy strict, cfn-lint, OpenAPI validation + Redocly lint, sam validate --lint, actionlint
	ruff check .
	ruff format --check .
	mypy
	cfn-lint $(TEMPLATES)
	$(PY) -m openapi_spec_validator openapi.yaml
	SAM_CLI_TELEMETRY=0 sam validate --lint --template-file template.yaml
	$(NODE_BIN)/redocly lint openapi.yaml
	actionlint

.PHONY: build
build: venv ## sam build (arm64, python3.13)
	SAM_CLI_TELEMETRY=0 sam build --parallel --cached

.PHONY: checkov
checkov: $(CHECKOV_VENV)/.installed ## checkov on every template, zero failed checks
	$(CHECKOV_VENV)/bin/checkov --skip-download --quiet --compact --framework cloudformation $(addprefix -f ,$(TEMPLATES))

# pytest-xdist workers for `make check` and the in-process suites.
PYTEST_WORKERS ?= 2
PYTEST      := $(PY) -m pytest -p no:cacheprovider

# One target per suite, each run on its own without coverage (coverage is judged on the whole run, `make pytest`).
in_process_suite = $(PYTEST) tests/$(1) -n $(PYTEST_WORKERS) --no-cov -q
SUITES      := unit integration templates local-api e2e delivery invoke bench
.PHONY: $(addprefix test-,$(SUITES))
test-unit: venv ## Suite: pure functions of the application code (no AWS, no handler)
	$(call in_process_suite,unit)
test-integration: venv ## Suite: each handler in-process against moto, tables from template.yaml
	$(call in_process_suite,integration)
test-templates: venv ## Suite: the templates' project rules, each with a mutation that breaks it
	$(call in_process_suite,templates)
test-local-api: venv ## Suite: the local API's own fidelity to API Gateway, WAF and Lambda (tools/local_api)
	$(call in_process_suite,local_api)
test-delivery: venv ## Suite: CI/CD workflows, bootstrap stack, smoke tool, rendered docs
	$(call in_process_suite,delivery)
test-invoke: venv ## Suite: `make invoke` and sam local's events and env file
	$(call in_process_suite,invoke)
test-bench: venv ## Suite: the benchmark harness's plumbing (never its timings)
	$(call in_process_suite,bench)
test-e2e: venv ## Suite: the API over signed HTTP, local server (one process: its status-coverage test judges the session)
	$(PYTEST) tests/e2e --no-cov

# All suites as two pytest processes side by side: the in-process suites with coverage, and the e2e suite on its
# own (one local server, and test_e2e_status_coverage.py sees every request in that process). pytest-xdist's
# loadgroup cannot keep a suite on one worker under pytest 9 (it renames node ids through an attribute pytest 9
# no longer reads).
.PHONY: pytest pytest-in-process
pytest: venv ## Every pytest suite, coverage included
	$(MAKE) --no-print-directory -j 2 --output-sync=target pytest-in-process test-e2e

pytest-in-process: venv
	$(PYTEST) --ignore=tests/e2e -n $(PYTEST_WORKERS)

.PHONY: check
check: venv ## The inner loop, under a minute: ruff, mypy and the unit tests
	ruff check .
	ruff format --check .
	mypy
	$(PYTEST) tests/unit -n $(PYTEST_WORKERS) --no-cov -q

# The four steps are independent: run them side by side, each one's output kept together (--output-sync).
.PHONY: test
test: ## Everything CI runs: lint, build, checkov and every pytest suite, side by side
	$(MAKE) --no-print-directory -j 4 --output-sync=target lint build checkov pytest

.PHONY: local
# SEED=1 (or yes/true) loads the samples; unset, empty, 0, no or false does not.
SEEDING     = $(filter-out 0 no false,$(SEED))

local: venv docs ## Serve the API on http://$(HOST):$(PORT), its reference at /docs (SEED=1 loads samples, PARAMS="K=V ..." template parameters)
	$(PY) -m tools.local_api --host $(HOST) --port $(PORT) $(if $(SEEDING),--seed,) $(if $(PARAMS),--parameter-overrides $(PARAMS),)

.PHONY: invoke
invoke: venv ## One event through one function, no Docker: FUNCTION=UserFunction EVENT=events/users-get-200.json (EVENT=- reads stdin)
	@$(PY) -m tools.local_api.invoke "$(FUNCTION)" "$(EVENT)"

.PHONY: backend
backend: venv ## Only DynamoDB + Secrets Manager (seeded) for `sam local ... --env-vars local/env.json` in Docker
	$(PY) -m tools.local_api.container_backend $(if $(BACKEND_HOST),--host $(BACKEND_HOST),) $(if $(BACKEND_PORT),--port $(BACKEND_PORT),)

.PHONY: artifact-check
artifact-check: venv ## The built arm64 artifact under arm64 Python 3.13 (chroot + qemu), every event; root, slow, not in `make test`
	bash local/artifact-check.sh

.PHONY: sam-local-check
sam-local-check: venv ## Real `sam local invoke` (every event) + `sam local start-api` (e2e) in Docker, arm64; root, slow (STEPS=, PYTEST_ARGS=)
	STEPS="$(or $(STEPS),invoke start-api)" PYTEST_ARGS="$(PYTEST_ARGS)" bash local/sam-local-check.sh

.PHONY: e2e
e2e: venv ## The HTTP end-to-end suite against API_URL=<deployed stack> (unset: the local server)
	API_URL="$(API_URL)" $(PYTEST) tests/e2e --no-cov

.PHONY: smoke
smoke: venv ## Signed create/read/update/list/delete on a deployed stack: STACK=<stack name> [URL=<base URL, default its ApiUrl>]
	$(PY) -m tools.smoke --stack "$(STACK)" $(if $(URL),--url "$(URL)",)

.PHONY: bench
bench: venv ## Cold start, warm overhead, package size, memory, local throughput
	$(PY) -m tools.bench

.PHONY: deploy
deploy: build ## sam deploy --guided (CONFIG_ENV=prod for the prod config, CONFIG_FILE=samconfig.local.toml for your own)
	SAM_CLI_TELEMETRY=0 sam deploy --guided --config-env $(or $(CONFIG_ENV),default) $(if $(CONFIG_FILE),--config-file $(CONFIG_FILE),)

.PHONY: clean
clean: ## Remove build output and caches (keeps the venvs)
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis htmlcov .coverage coverage.xml
