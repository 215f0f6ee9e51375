# sms-fc developer commands. `make dev` and `make test` work on a fresh machine with Python 3.10+.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8800
FC_PORT ?= 8801
# The conformance suite's Python clients (tests/conformance/): pinned, in a folder of their own.
PYTHON_CLIENTS := .conformance/python
PYTHON_CLIENTS_PINS := tests/conformance/requirements-python.txt

.PHONY: dev test soak lint typecheck bench install python-clients node-clients clean build lock check

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet '.[dev]'
	touch $@

install: $(VENV)/.installed

## The official Python clients the conformance suite drives, at their pinned versions, outside the
## venv (again only when the pins change). When PyPI cannot be reached the run goes on: pytest then
## reports the Python conformance tests as not run (a failure with CI=true).
$(PYTHON_CLIENTS)/.installed: $(PYTHON_CLIENTS_PINS) $(VENV)/.installed
	rm -rf $(PYTHON_CLIENTS)
	if $(PY) -m pip install --quiet --target $(PYTHON_CLIENTS) -r $(PYTHON_CLIENTS_PINS); then touch $@; \
	else echo "Could not install the Python conformance clients; their tests will not run."; fi

python-clients: $(PYTHON_CLIENTS)/.installed

## The official Node clients tests/conformance drives, at the versions its package-lock.json pins,
## installed into .conformance/node (npm ci: the npm registry only, no install scripts). Without
## npm this says so and the Node conformance tests are announced as not run.
NODE_CLIENTS := .conformance/node
NODE_LOCK := tests/conformance/node/package-lock.json

$(NODE_CLIENTS)/installed.json: tests/conformance/node/package.json $(NODE_LOCK)
	rm -rf $(NODE_CLIENTS) && mkdir -p $(NODE_CLIENTS)
	cp tests/conformance/node/package.json $(NODE_LOCK) $(NODE_CLIENTS)/
	if npm ci --prefix $(NODE_CLIENTS) --ignore-scripts --no-audit --no-fund --loglevel=error; then cp $(NODE_LOCK) $@; \
	else echo "Could not install the Node conformance clients; their tests will not run."; fi

node-clients:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) -s --no-print-directory $(NODE_CLIENTS)/installed.json; \
	else echo "no npm: the Node conformance tests will not run (apt-get install -y nodejs npm)"; fi

## The local stack: the emulator seeded from examples/, s.yaml's functions on a local FC runtime
## (HTTP triggers, timers, an event bus), and a walkthrough to paste into another terminal.
dev: install
	$(PY) -m emulator.dev --host $(HOST) --port $(PORT) --fc-port $(FC_PORT)

## Install what is missing, then lint, type-check and run the whole suite.
test: install python-clients node-clients
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

## The fuzz suite at length: at least 10,000 bad inputs per HTTP route (tests/fuzz; `make test`
## runs it bounded), with the count per route printed at the end.
soak: install
	SMS_FUZZ_PROFILE=soak $(PY) -m pytest tests/fuzz -q -p no:cacheprovider

lint: install
	$(PY) -m ruff check .

typecheck: install
	$(PY) -m mypy

## Benchmarks: each figure printed beside its target.
bench: install
	$(PY) -m bench

## Assemble build/<function>/ for FC: index.py, shared/ and the locked dependencies (python3.10).
build: install
	$(PY) tools/build_functions.py

## Re-pin every runtime dependency in requirements.lock.
lock: install
	$(PY) tools/build_functions.py --lock

## Run the config check against $$SMS_* (the emulator or real Aliyun) and print the report.
check: install
	$(PY) -m shared.checks.config_check

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache .conformance
