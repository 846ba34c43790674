# Entry points of the warehouse. `make build` and `make test` are all a new machine needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt
DBT_FLAGS := --profiles-dir .
# DuckDB's worker threads for every dbt run (profiles.yml reads it; 4 without make).
DUCKDB_THREADS ?= $(shell nproc 2>/dev/null || echo 4)
export DUCKDB_THREADS

# Demo data: number of registered customers (everything else scales with it) and random seed.
DEMO_CUSTOMERS ?= 5000
SEED ?= 42
DEMO_DIR := data/raw
CI_DIR := target/ci
# `make quick` builds this many demo customers.
QUICK_CUSTOMERS ?= 600
QUICK_DIR := target/quick

# Benchmark scale for `make bench`.
BENCH_CUSTOMERS ?= 100000

MODEL_FILES := dbt_project.yml profiles.yml $(shell find models macros seeds tests python_models -type f -not -path '*/python/*' 2>/dev/null)
GENERATOR_FILES := $(shell find rawdata -name '*.py' 2>/dev/null)
ML_FILES := $(shell find ml -name '*.py' 2>/dev/null)

.PHONY: install data build docs dashboard test quick lint pytest unit-test quick-build dbt-ci bench bench-embeddings bench-recommendations bench-dashboard ml-report lock clean

## install: virtual environment with the pinned requirements and this project's packages
install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required; set PYTHON=/path/to/python3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

## data: deterministic demo raw data in data/raw (regenerated when the generator changes)
data: $(DEMO_DIR)/.generated

$(DEMO_DIR)/.generated: $(VENV)/.installed $(GENERATOR_FILES)
	$(BIN)/python -m rawdata generate --out $(DEMO_DIR) --customers $(DEMO_CUSTOMERS) --seed $(SEED)
	touch $@

## build: the whole warehouse (warehouse.duckdb) from the demo data; a no-op when nothing changed
build: target/.build-stamp

target/.build-stamp: $(DEMO_DIR)/.generated $(MODEL_FILES) $(ML_FILES)
	RAW_DATA_DIR=$(DEMO_DIR) $(DBT) build $(DBT_FLAGS) --target dev
	@mkdir -p target && touch $@

## docs: generate the docs site (models, columns, tests, metrics, exposures, lineage) from the
## `make build` warehouse and serve it on http://localhost:$(DOCS_PORT)
DOCS_PORT ?= 8080
docs: build
	RAW_DATA_DIR=$(DEMO_DIR) $(DBT) docs generate $(DBT_FLAGS) --target dev
	$(DBT) docs serve $(DBT_FLAGS) --target dev --port $(DOCS_PORT) --no-browser

## dashboard: the Streamlit dashboard, read-only, on http://localhost:$(DASHBOARD_PORT): on the demo
## warehouse (built first if needed), or on WAREHOUSE_PATH as it is, never building into it
DASHBOARD_PORT ?= 8501
dashboard: $(if $(WAREHOUSE_PATH),$(VENV)/.installed,build)
	$(BIN)/streamlit run dashboard/app.py --server.address localhost --server.port $(DASHBOARD_PORT) \
	  --server.headless true --browser.gatherUsageStats false

## test: lint, a full dbt build (ML models trained from scratch) on a fresh DuckDB from fresh demo data, and
## pytest, whose ML quality tests read and rebuild that same warehouse instead of building one of their own
test: lint dbt-ci
	DEMO_WAREHOUSE_DIR=$(CI_DIR) $(BIN)/python -m pytest

## quick: the inner loop, a few minutes: lint, unit tests and a full build of QUICK_CUSTOMERS demo customers
quick: lint unit-test quick-build

lint: $(VENV)/.installed
	$(BIN)/ruff check rawdata ml tests benchmarks python_models dashboard
	$(BIN)/ruff format --check rawdata ml tests benchmarks python_models dashboard
	$(BIN)/sqlfluff lint models tests python_models

pytest: $(VENV)/.installed
	$(BIN)/python -m pytest

unit-test: $(VENV)/.installed
	$(BIN)/python -m pytest -m "not integration"

quick-build: $(VENV)/.installed
	rm -rf $(QUICK_DIR) && mkdir -p $(QUICK_DIR)
	$(BIN)/python -m rawdata generate --out $(QUICK_DIR)/raw --customers $(QUICK_CUSTOMERS) --seed $(SEED)
	RAW_DATA_DIR=$(QUICK_DIR)/raw WAREHOUSE_PATH=$(QUICK_DIR)/warehouse.duckdb ML_ARTIFACTS_DIR=$(QUICK_DIR)/ml_artifacts \
	  $(DBT) build $(DBT_FLAGS) --target ci --target-path $(QUICK_DIR)/dbt-target

dbt-ci: $(VENV)/.installed
	rm -rf $(CI_DIR) && mkdir -p $(CI_DIR)
	$(BIN)/python -m rawdata generate --out $(CI_DIR)/raw --customers $(DEMO_CUSTOMERS) --seed $(SEED) --truth $(CI_DIR)/truth
	RAW_DATA_DIR=$(CI_DIR)/raw WAREHOUSE_PATH=$(CI_DIR)/warehouse.duckdb ML_ARTIFACTS_DIR=$(CI_DIR)/ml_artifacts \
	  $(DBT) build $(DBT_FLAGS) --target ci
	RAW_DATA_DIR=$(CI_DIR)/raw WAREHOUSE_PATH=$(CI_DIR)/warehouse.duckdb \
	  $(DBT) docs generate $(DBT_FLAGS) --target ci --target-path $(CI_DIR)/docs

## bench: generate BENCH_CUSTOMERS customers, build, print rows/s, time per layer and peak memory
bench: $(VENV)/.installed
	$(BIN)/python -m benchmarks.build_benchmark --customers $(BENCH_CUSTOMERS) --seed $(SEED)

## bench-recommendations: rank 1,000,000 customers x 50,000 products in chunks; throughput, peak memory
bench-recommendations: $(VENV)/.installed
	$(BIN)/python -m benchmarks.recommend_benchmark --customers 1000000 --products 50000

## bench-embeddings: our embedding throughput (torch and onnxruntime) next to sentence-transformers,
## their agreement, and a warm-cache rerun
bench-embeddings: $(VENV)/.installed
	$(BIN)/python -m benchmarks.embedding_benchmark --texts 2000 --backend onnxruntime

## bench-dashboard: dashboard page load times on the `make dbt-ci` warehouse and on it replicated to
## DASHBOARD_BENCH_CUSTOMERS customers, queries and browser side by side
DASHBOARD_BENCH_CUSTOMERS ?= 1000000
bench-dashboard: $(VENV)/.installed
	@test -f $(CI_DIR)/warehouse.duckdb || $(MAKE) dbt-ci
	$(BIN)/python -m benchmarks.dashboard_benchmark --warehouse $(CI_DIR)/warehouse.duckdb \
	  --customers $(DASHBOARD_BENCH_CUSTOMERS)

## ml-report: build demo data with ML and print churn and sentiment quality against the latent truth
ml-report: $(VENV)/.installed
	$(BIN)/python -m benchmarks.ml_quality --customers $(DEMO_CUSTOMERS) --seed $(SEED)

## lock: re-resolve requirements.txt from requirements.in
lock: $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements.in
	{ echo "# Pinned, resolved environment for the warehouse (Python 3.11). Regenerate with: make lock"; \
	  $(BIN)/pip freeze --exclude-editable | grep -v '^customer-lifecycle-warehouse' \
	  | sed -E 's/^(torch==[^+]+)\+.*/\1/'; } > requirements.txt

clean:
	rm -rf target logs data warehouse.duckdb warehouse.duckdb.wal .ml_artifacts
