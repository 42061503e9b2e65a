# Truceline: `make demo` serves the demo; `make test` runs every check CI runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stamp-install

.PHONY: install demo test lint typecheck services clean web

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test]'
	$(BIN)/truceline warm-up
	$(BIN)/python -m compileall -q src/truceline
	touch $@

install: $(STAMP)

demo: install
	$(BIN)/truceline demo

services:
	bash scripts/ensure-services.sh

# Rebuild the web workspace into src/truceline/web/static (committed, so serving needs no npm).
web:
	cd web && npm ci && npm run build

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: install
	$(BIN)/mypy

test: install services lint typecheck
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) .truceline .pytest_cache .mypy_cache .ruff_cache .hypothesis
