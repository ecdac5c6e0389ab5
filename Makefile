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

.PHONY: run test lint format sources clean help venv dagster java postgres chromium docs dashboard metrics reliability

help:
	@echo "make run    - build the environment, generate the demo shop, load and build the warehouse"
	@echo "make test   - build the environment, run pytest, sqlfluff and ruff"
	@echo "make lint   - sqlfluff and ruff only"
	@echo "make reliability - the long tests: a run killed at every stage, the project on Spark, …"
	@echo "make format - apply ruff format and sqlfluff fix"
	@echo "make sources - regenerate the dbt sources (contract) and indicator models (catalog)"
	@echo "make docs   - dbt docs of the warehouse on http://127.0.0.1:8081"
	@echo "make dashboard - the indicator dashboard on http://127.0.0.1:8080"
	@echo "make metrics Q='--metrics gmv --group-by metric_time__month' - MetricFlow on the published file"
	@echo "make dagster - the Dagster UI on http://127.0.0.1:3000 (instance under .dagster_home/)"
	@echo "make clean  - remove the environment, generated data and build artefacts"

$(UV):
	python3 -m venv .tools
	.tools/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

# The environment is rebuilt whenever the lock file or pyproject changes. Its modules are
# compiled to bytecode at install: where PYTHONDONTWRITEBYTECODE is set, every process would
# otherwise compile dagster, dbt and pandas from source again.
$(STAMP): uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --compile-bytecode
	touch $(STAMP)

venv: $(STAMP)

# The secret salt of hashed personal identifiers (SHOP_PII_SALT): taken from the environment
# when set, else one made for this checkout in .secrets/ (never committed).
SALT := .secrets/pii_salt
$(SALT):
	mkdir -p .secrets && chmod 700 .secrets
	python3 -c "import secrets; print(secrets.token_hex(32))" > $@ && chmod 600 $@
WITH_SALT = SHOP_PII_SALT=$${SHOP_PII_SALT:-$$(cat $(SALT))}

run: $(STAMP) $(SALT)
	$(WITH_SALT) $(PY) -m orchestration.demo

# The Spark parity test runs PySpark, which needs a Java runtime: Debian's OpenJDK if none.
java:
	@command -v java >/dev/null || (apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless)

# The serving tests start a throwaway PostgreSQL server (Debian's package) and render the
# dashboard in Debian's Chromium.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq postgresql)

chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

# The tests build tiny shops, where dbt's per-node overhead outweighs the queries: two dbt
# threads there (one by default, for real shops: see the profile), and the test modules
# split over two pytest workers.
test: $(STAMP) postgres chromium lint
	SHOP_DBT_THREADS=2 $(PY) -m pytest -n 2 --dist loadscope --no-loadscope-reorder

# The long variants (pytest marker long), on top of make test's: a run killed at every stage,
# the project on Spark (its engine-specific SQL, then every model and test), days run again
# out of order, a quarantined day re-delivered.
reliability: $(STAMP) java
	SHOP_DBT_THREADS=2 $(PY) -m pytest -n 2 --dist load -m long

lint: $(STAMP)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	DBT_TARGET_PATH=target_lint .venv/bin/sqlfluff lint --processes 2 models tests

format: $(STAMP)
	.venv/bin/ruff format .
	DBT_TARGET_PATH=target_lint .venv/bin/sqlfluff fix models tests

dagster: $(STAMP) $(SALT)
	mkdir -p .dagster_home
	cp orchestration/dagster.yaml .dagster_home/dagster.yaml
	$(WITH_SALT) DAGSTER_HOME=$(CURDIR)/.dagster_home .venv/bin/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

sources: $(STAMP)
	$(PY) -m orchestration.contract.dbt_codegen
	$(PY) -m orchestration.indicator_catalog
	$(PY) -m orchestration.indicator_docs
	$(PY) -m orchestration.settings

# dbt docs of the demo warehouse (built by make run when missing), on 127.0.0.1 only.
docs: $(STAMP)
	@test -f warehouse/shop.duckdb || $(MAKE) run
	.venv/bin/dbt docs generate --target-path target/docs
	.venv/bin/dbt docs serve --target-path target/docs --host 127.0.0.1 --port 8081 --no-browser

# The semantic layer (MetricFlow) on the published warehouse, opened read-only, e.g.
#   make metrics Q="--metrics gmv,aov --group-by metric_time__month --order metric_time__month"
# mf reads <project dir>/target/semantic_manifest.json, so the project is parsed with the
# published target into target/semantic/ and the pipeline's own target/ is left alone.
SEMANTIC_DIR := $(CURDIR)/target/semantic
metrics: $(STAMP)
	mkdir -p $(SEMANTIC_DIR) && ln -sfn $(CURDIR)/dbt_project.yml $(SEMANTIC_DIR)/dbt_project.yml
	SHOP_DBT_TARGET=published .venv/bin/dbt parse --quiet --target-path $(SEMANTIC_DIR)/target
	cd $(SEMANTIC_DIR) && SHOP_DBT_TARGET=published DBT_PROJECT_DIR=$(SEMANTIC_DIR) \
		SHOP_PUBLISHED_DIR=$${SHOP_PUBLISHED_DIR:-$(CURDIR)/warehouse/published} \
		$(CURDIR)/.venv/bin/mf query $(Q)

dashboard: $(STAMP)
	@test -e warehouse/published/current.duckdb || $(MAKE) run
	$(PY) -m orchestration.serving.dashboard --serve 8080

clean:
	rm -rf .venv .tools target target_lint logs dbt_packages landing warehouse dashboard .dagster_home .pytest_cache .ruff_cache
