# Safeguarding partnership assurance engine. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NPM_STAMP)

install: $(STAMP) $(NPM_STAMP) ## Install Python (.venv) and front-end (node_modules) dependencies

migrate: install ## Apply database migrations
	$(PY) manage.py migrate --noinput

demo: migrate ## Load the demo partnership (idempotent)
	$(PY) manage.py load_demo

run: demo ## Install, migrate, load the demo and serve on http://127.0.0.1:8000 with the scheduler
	@echo "Serving on http://$(HOST):$(PORT)/ (demo password in README.md); scheduler runs every 60s"
	@trap 'kill 0' EXIT; \
	  $(PY) manage.py run_scheduler --loop --interval 60 & \
	  $(PY) manage.py runserver $(HOST):$(PORT)

test: install ## Run the whole suite (browser tests included) on SQLite, then on PostgreSQL when DATABASE_URL is set
	env -u DATABASE_URL $(PY) -m pytest
	@if [ -n "$$DATABASE_URL" ]; then \
	  echo "== again on PostgreSQL ($$DATABASE_URL)"; \
	  $(PY) -m pytest; \
	else echo "DATABASE_URL not set: PostgreSQL run skipped (.ci/run sets it)"; fi

test-fast: install ## The suite without the browser tests, SQLite only
	env -u DATABASE_URL $(PY) -m pytest -m "not browser"

test-browser: install ## Only the browser and accessibility tests (system Chromium), SQLite
	env -u DATABASE_URL $(PY) -m pytest tests/browser

lint: install ## ruff (lint and format check) and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

format: install ## Format the code with ruff
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check: install ## Fail if a model change has no migration
	$(PY) manage.py makemigrations --check --dry-run

bench: install ## Benchmarks at scale (see bench/README.md)
	$(PY) bench/run.py

scheduler: install ## Run the scheduler once (timers, sweeps, outbox)
	$(PY) manage.py run_scheduler

.PHONY: help install migrate demo run test test-fast test-browser lint format migrations-check bench scheduler
