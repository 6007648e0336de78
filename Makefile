# The two commands: `make run` (provision Neo4j, migrate, import, serve) and `make test` (lint, types, tests).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.kg-installed

.DEFAULT_GOAL := help
.PHONY: help install run test lint typecheck pytest db-start db-stop clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "kg needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(STAMP) ## Create .venv and install kg with its dev tools

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

pytest: install ## The test suite against a real Neo4j (see tests/conftest.py)
	$(BIN)/pytest

test: lint typecheck pytest ## Everything CI runs

db-start: install ## Start the local Neo4j server only
	$(BIN)/kg db start

db-stop: install ## Stop the local Neo4j server
	$(BIN)/kg db stop

clean: ## Remove the virtualenv and caches (keeps .kg/ data)
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
