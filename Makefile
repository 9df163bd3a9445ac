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
# Hashed lock files, made from pyproject.toml by `make lock` (uv, pinned here): production
# installs requirements/prod.txt, development and CI requirements/dev.txt (prod + dev extras).
LOCK_PROD := requirements/prod.txt
LOCK_DEV := requirements/dev.txt
UV_VERSION := 0.13.9
UV := $(VENV)/bin/uv
# The build backend ([build-system] requires) is locked too: the project is installed with
# --no-build-isolation, so nothing unpinned is fetched to build it.
BUILD_REQUIRES := $(PY) -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['build-system']['requires'], sep='\n')"
UV_COMPILE := --universal --python-version 3.11 --generate-hashes --quiet --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'

$(STAMP): $(LOCK_DEV) pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --require-hashes -r $(LOCK_DEV)
	@# the project itself (no code to package: its metadata); setuptools warns about editable
	@# installs of a flat layout, which is what this is
	PYTHONWARNINGS=ignore::UserWarning $(PIP) install --quiet --no-deps --no-build-isolation -e .
	@$(PIP) check >/dev/null || { $(PIP) check; echo "pyproject.toml asks for more than $(LOCK_DEV) holds: run make lock" >&2; exit 1; }
	touch $(STAMP)

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NPM_STAMP)

install: $(STAMP) $(NPM_STAMP) ## Install Python (.venv, from the lock file) and front-end (node_modules) dependencies

lock: ## Refresh the hashed lock files from pyproject.toml (keeps current pins; UPGRADE=1 takes the newest allowed)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet uv==$(UV_VERSION)
	@mkdir -p requirements
	$(BUILD_REQUIRES) | $(UV) pip compile pyproject.toml - $(UV_COMPILE) -o $(LOCK_PROD)
	$(BUILD_REQUIRES) | $(UV) pip compile pyproject.toml - --extra dev -c $(LOCK_PROD) $(UV_COMPILE) -o $(LOCK_DEV)
	@echo "Locked: $(LOCK_PROD) and $(LOCK_DEV) (make install applies them)"

migrate: install ## Apply database migrations
	$(PY) manage.py migrate --noinput

demo: migrate ## Load the demo partnership (idempotent)
	$(PY) manage.py load_demo

run: demo ## Install, migrate, load the demo and serve on http://127.0.0.1:8000 with the scheduler
	@echo "Serving on http://$(HOST):$(PORT)/ (demo password in README.md); scheduler runs every 60s"
	@trap 'kill 0' EXIT; \
	  $(PY) manage.py run_scheduler --loop --interval 60 & \
	  $(PY) manage.py runserver $(HOST):$(PORT)

test: install ## Run the whole suite on SQLite (browser tests included), then on PostgreSQL (without them) when DATABASE_URL is set
	env -u DATABASE_URL $(PY) -m pytest
	@if [ -n "$$DATABASE_URL" ]; then \
	  echo "== again on PostgreSQL ($$DATABASE_URL), browser tests already run on SQLite"; \
	  $(PY) -m pytest -m "not browser"; \
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

loadtest: install ## Load test: gunicorn (2 workers) on PostgreSQL with bench data, 20 users for 60 s (see bench/README.md)
	$(PY) scripts/loadtest.py

scheduler: install ## Run the scheduler once (timers, sweeps, outbox)
	$(PY) manage.py run_scheduler

smoke: install ## Production smoke test: production settings, throwaway PostgreSQL database, gunicorn, pages over HTTP
	$(PY) scripts/smoke_production.py

.PHONY: help install lock smoke migrate demo run test test-fast test-browser lint format migrations-check bench loadtest scheduler
