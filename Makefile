# The two commands: `make run` (provision Neo4j, migrate, import, serve) and `make test` (lint, types, tests).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.kg-installed
ASSETS := kg/views/static/vendor/.installed
CHROMIUM ?= /usr/bin/chromium
# Test processes, each with its own throwaway Neo4j (pytest-xdist; whole test files per process). 0 = one process.
PYTEST_WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help install run test lint typecheck pytest browser soak bench bench-quick db-start db-stop clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "kg needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

# The front-end libraries the pages use, pinned by web/package-lock.json, copied into the package (never a CDN).
$(ASSETS): web/package-lock.json kg/views/assets.py $(STAMP)
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	$(BIN)/python -m kg.views.assets
	@touch $@

install: $(STAMP) $(ASSETS) ## Create .venv, install kg with its dev tools and the front-end assets

browser: ## Debian's headless Chromium for the browser tests (apt-get; Playwright's own download is never used)
	@command -v $(CHROMIUM) >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); export DEBIAN_FRONTEND=noninteractive; \
	  $$SUDO apt-get install -y --no-install-recommends chromium \
	  || { $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends chromium; }; }

run: install ## Provision Neo4j, apply the schema, import the knowledge base, serve the API on 127.0.0.1:8000
	$(BIN)/kg db start
	$(BIN)/kg model install
	$(BIN)/kg db migrate
	$(BIN)/kg import all
	$(BIN)/kg serve

lint: install ## ruff check + format check + the architecture's import contracts (pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install ## mypy (strict on kg/ and queries/)
	$(BIN)/mypy

pytest: install browser ## The test suite against a real Neo4j (see tests/conftest.py) and in headless Chromium
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

test: lint typecheck pytest ## Everything CI runs

soak: install ## 32 clients for 10 minutes against a throwaway Neo4j: no 5xx, no starved reader, no lost write
	$(BIN)/python -m benchmarks.load --duration 600 --clients 32

bench-quick: install ## Issue 15's benchmarks at S and M (~15 min): figures in benchmarks/results/latest.json and a table
	$(BIN)/python -m benchmarks.suite --scales S M

bench: install ## The same with L (10^6 relationships) as well: about an hour on 2 cores (BENCHMARKS.md)
	$(BIN)/python -m benchmarks.suite --scales S M L

db-start: install ## Start the local Neo4j server only
	$(BIN)/kg db start

db-stop: install ## Stop the local Neo4j server
	$(BIN)/kg db stop

clean: ## Remove the virtualenv and caches (keeps .kg/ data)
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache web/node_modules kg/views/static/vendor
