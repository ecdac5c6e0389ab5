# Two commands do everything: `make run` (demo shop → warehouse → summary) and `make test`.
# Both create the locked environment in .venv first when it is missing or stale.

SHELL := /bin/bash
UV_VERSION := 0.13.8
UV := .tools/bin/uv
PY := .venv/bin/python
STAMP := .venv/.synced-from-lock

export DBT_PROFILES_DIR := $(CURDIR)/profiles
export DBT_PROJECT_DIR := $(CURDIR)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv

.PHONY: run test lint format sources clean help venv dagster java

help:
	@echo "make run    - build the environment, generate the demo shop, load and build the warehouse"
	@echo "make test   - build the environment, run pytest, sqlfluff and ruff"
	@echo "make lint   - sqlfluff and ruff only"
	@echo "make format - apply ruff format and sqlfluff fix"
	@echo "make sources - regenerate the dbt sources YAML from the raw contract"
	@echo "make dagster - the Dagster UI on http://127.0.0.1:3000 (instance under .dagster_home/)"
	@echo "make clean  - remove the environment, generated data and build artefacts"

$(UV):
	python3 -m venv .tools
	.tools/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

# The environment is rebuilt whenever the lock file or pyproject changes.
$(STAMP): uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(PY) -m orchestration.demo

# The Spark parity test runs PySpark, which needs a Java runtime: Debian's OpenJDK if none.
java:
	@command -v java >/dev/null || (apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless)

# The tests build tiny shops, where dbt's per-node overhead outweighs the queries: two dbt
# threads there (one by default, for real shops: see the profile).
test: $(STAMP) java lint
	SHOP_DBT_THREADS=2 $(PY) -m pytest

lint: $(STAMP)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	DBT_TARGET_PATH=target_lint .venv/bin/sqlfluff lint models tests

format: $(STAMP)
	.venv/bin/ruff format .
	DBT_TARGET_PATH=target_lint .venv/bin/sqlfluff fix models tests

dagster: $(STAMP)
	mkdir -p .dagster_home
	cp orchestration/dagster.yaml .dagster_home/dagster.yaml
	DAGSTER_HOME=$(CURDIR)/.dagster_home .venv/bin/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

sources: $(STAMP)
	$(PY) -m orchestration.contract.dbt_codegen

clean:
	rm -rf .venv .tools target target_lint logs dbt_packages landing warehouse .dagster_home .pytest_cache .ruff_cache
