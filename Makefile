# Two commands: `make run` serves the demo, `make test` checks everything.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint test-sqlite test-postgres clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.run-installed

# The demo runs in debug mode unless told otherwise (CSOPS_DEBUG=0 make run).
run: $(VENV)/.run-installed
	CSOPS_DEBUG=$${CSOPS_DEBUG-1} $(BIN)/csops migrate --noinput -v 0
	CSOPS_DEBUG=$${CSOPS_DEBUG-1} $(BIN)/csops demo setup
	CSOPS_DEBUG=$${CSOPS_DEBUG-1} $(BIN)/csops outreach seed-demo
	CSOPS_DEBUG=$${CSOPS_DEBUG-1} $(BIN)/csops health seed-demo
	CSOPS_DEBUG=$${CSOPS_DEBUG-1} $(BIN)/csops journey seed-demo
	CSOPS_DEBUG=$${CSOPS_DEBUG-1} $(BIN)/csops insights seed-demo
	CSOPS_DEBUG=$${CSOPS_DEBUG-1} $(BIN)/csops playbooks seed-demo
	CSOPS_DEBUG=$${CSOPS_DEBUG-1} $(BIN)/csops serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .

# The browser tests drive Debian's Chromium through Playwright (installed by the dev extra).
chromium: | $(BIN)/python
	$(BIN)/python tests/browser/ensure_chromium.py

test-sqlite: $(VENV)/.dev-installed chromium
	$(BIN)/pytest

test-postgres: $(VENV)/.dev-installed chromium
	$(BIN)/python scripts/with_postgres.py -- $(BIN)/pytest -m "not sqlite_only"

test: lint test-sqlite test-postgres

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
