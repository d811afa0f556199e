# DID Portal. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
ASSETS := var/frontend/.built

.PHONY: help install assets run test test-browser lint format bench bench-engine bench-month-end clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# --compile-bytecode, as pip does by default: without .pyc files every process compiles
# the libraries' Python source again (Polars alone: 0.9 s instead of 0.3 s at start-up),
# and nothing may write them later when PYTHONDONTWRITEBYTECODE is set.
$(STAMP): pyproject.toml requirements.lock
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@test -x $(PY) || uv venv --quiet --python python3 $(VENV)
	uv pip sync --quiet --compile-bytecode --python $(PY) requirements.lock
	uv pip install --quiet --compile-bytecode --python $(PY) --no-deps -e .
	@touch $@

install: $(STAMP) ## Install Python dependencies into .venv from requirements.lock

$(ASSETS): package.json scripts/build_assets.py | $(STAMP)
	@command -v npm >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq nodejs npm)
	npm install --silent --no-package-lock
	$(PY) scripts/build_assets.py
	$(BIN)/portal collectstatic --noinput -v 0
	@touch $@

assets: $(ASSETS) ## Build the NHS.UK front-end assets from the npm package

run: $(STAMP) $(ASSETS) ## Set up and start the portal with demo data on http://127.0.0.1:8000
	@bash scripts/run.sh

# pytest-xdist: one test process per core (TEST_WORKERS=0 runs in one process, for a
# debugger); --dist worksteal lets an idle process take tests still waiting on the other,
# so a few long files (property tests, Spark) do not leave one core idle at the end
# (measured: 99 s against 133 s with --dist loadfile on 2 cores).
TEST_WORKERS ?= auto
# Tests may write bytecode (to the ignored __pycache__ folders) even where the machine sets
# PYTHONDONTWRITEBYTECODE: otherwise every test process rewrites the asserts of every test
# module and plugin again (pytest caches that rewrite as bytecode) and every process the
# tests start compiles the portal again: about 4 s of each process's start-up.
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/pytest

# LibreOffice (headless) opens the published Table 1 workbook in a test.
test: $(STAMP) $(ASSETS) ## Run the whole test suite (SQLite unless DATABASE_URL is set)
	@command -v soffice >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null)
	$(PYTEST) -q -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal

# In one process: two Chromiums and two live servers on two cores make page timings the
# test, not the page.
test-browser: $(STAMP) $(ASSETS) ## Run the end-to-end tests in real Chromium
	$(PYTEST) -q -p no:cacheprovider -m browser

lint: $(STAMP) ## ruff check and format check
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts

format: $(STAMP) ## Apply ruff formatting and safe fixes
	$(BIN)/ruff check --fix src tests scripts
	$(BIN)/ruff format src tests scripts

# The month-end run needs PostgreSQL (DATABASE_URL's server, else 127.0.0.1:5432) and the
# built front end (production collects static files into its manifest).
bench: $(STAMP) $(ASSETS) ## Run the benchmarks and rewrite docs/benchmarks.md figures
	$(PY) scripts/bench.py
	$(PY) scripts/bench_publications.py
	$(PY) scripts/bench_submissions.py
	$(PY) scripts/bench_month_end.py --store local
	$(PY) scripts/bench_month_end.py --store s3

bench-month-end: $(STAMP) $(ASSETS) ## Only the month-end benchmark (50 uploads within a minute)
	$(PY) scripts/bench_month_end.py --store local
	$(PY) scripts/bench_month_end.py --store s3

bench-engine: $(STAMP) ## Run only the engine benchmark (scripts/bench.py; see its --help)
	$(PY) scripts/bench.py

clean: ## Remove the virtualenv, node_modules and var/
	rm -rf $(VENV) node_modules var
