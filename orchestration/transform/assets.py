"""Dagster assets of the dbt project: two ``dbt build`` steps, split by the mart gate.

The raw gate (Great Expectations, blocking) sits before the first step. Within a step, dbt
itself stops what depends on a failed test (``dbt build`` skips a failed test's children),
and a failed test fails the step, so that nothing after it runs: no step needs to stop
between the layers. The first step builds the seeds and every model the mart gate
(orchestration/quality/mart_checks.py, blocking) does not guard; the second builds the
models downstream of the checked mart (alerts, expected values, incidents, the KPI
overview) once the gate has passed. Publish waits for both. Each step pays dbt's start and
project load once (partial parsing kept warm, keep_partial_parse); dbt tests appear as
asset checks. The partition's shop-local days are
passed to dbt in the environment (``SHOP_WINDOW_START``, ``SHOP_WINDOW_END``) for the
incremental models and the tests of the days they rebuild.
"""

import contextlib
import datetime as dt
import importlib.metadata
import json
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    BackfillPolicy,
)
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from packaging import version

from orchestration import settings
from orchestration.contract import load_contract, load_shop
from orchestration.ingest.assets import WAREHOUSE_POOL
from orchestration.partitions import daily_partitions, window_days
from orchestration.settings import PROJECT_ROOT
from orchestration.transform import PROFILES_DIR, run_dbt

#: dbt's saved parse state, which lets an invocation parse only the files that changed.
PARTIAL_PARSE = "partial_parse.msgpack"
DBT_PROJECT = DbtProject(project_dir=PROJECT_ROOT, profiles_dir=PROFILES_DIR)
#: What the manifest is parsed from: it is re-parsed when any of these is newer.
DBT_SOURCES = (
    "dbt_project.yml", "models", "macros", "seeds", "tests", "profiles",
    "orchestration/contract/reference",
)  # fmt: skip


def ensure_manifest() -> None:
    """Parse the dbt project when its manifest is missing or older than the project files."""
    manifest = DBT_PROJECT.manifest_path
    if manifest.exists():
        built = manifest.stat().st_mtime
        files = [
            path
            for name in DBT_SOURCES
            for path in [PROJECT_ROOT / name, *(PROJECT_ROOT / name).rglob("*")]
            if path.is_file()
        ]
        if all(path.stat().st_mtime <= built for path in files):
            return
    # written where it is read, whatever DBT_TARGET_PATH (the invocations' targets) says
    if not run_dbt(["parse", "--quiet", "--target-path", str(manifest.parent)]):
        raise RuntimeError("dbt parse failed: see its output above")


#: The dbt steps in build order: every seed and model not guarded by the mart gate, then
#: the models downstream of the mart it checks (the alerts and what reads them).
DBT_STEPS = ("build", "alerts")
EVERYTHING = "path:models resource_type:seed"


def gated_models(checked: str) -> list[str]:
    """The models downstream of a mart (by name), from the manifest."""
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text())
    nodes = {node["name"]: unique_id for unique_id, node in manifest["nodes"].items()}
    children, found = manifest["child_map"], set()
    pending = list(children[nodes[checked]])
    while pending:
        unique_id = pending.pop()
        if unique_id.startswith("model.") and unique_id not in found:
            found.add(unique_id)
            pending += children[unique_id]
    return sorted(manifest["nodes"][unique_id]["name"] for unique_id in found)


def step_selections() -> dict[str, tuple[str, str]]:
    """Each dbt step's (select, exclude)."""
    from orchestration.quality.mart_checks import CHECKED

    gated = " ".join(gated_models(CHECKED))
    return {"build": (EVERYTHING, gated), "alerts": (gated, "")}


class ShopTranslator(DagsterDbtTranslator):
    """Readable keys (``raw/orders``, ``marts/fct_orders``) and one group per layer or family."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        kind = dbt_resource_props["resource_type"]
        name = dbt_resource_props["name"]
        if kind == "source":
            return AssetKey(["raw", name])
        if kind == "seed":
            return AssetKey(["reference", name])
        return AssetKey([dbt_resource_props["fqn"][1], name])

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> AssetSpec:
        """Seeds (reference data) wait for every raw table of the run: a run stopped by a raw
        gate then builds nothing at all, not even reference tables and the dimensions made
        from them alone."""
        spec = super().get_asset_spec(manifest, unique_id, project)
        if manifest["nodes"].get(unique_id, {}).get("resource_type") != "seed":
            return spec
        return spec.merge_attributes(
            deps=[AssetKey(["raw", table.name]) for table in load_contract().tables]
        )

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str:
        fqn = dbt_resource_props["fqn"]
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        if fqn[1] == "marts":
            return f"marts_{fqn[2]}"
        return fqn[1]


TRANSLATOR = ShopTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@contextlib.contextmanager
def run_window(context: AssetExecutionContext) -> Iterator[list[dt.date]]:
    """The run's shop-local days in the environment of its dbt invocations (macro
    run_window), not as --vars: changed vars make dbt parse the whole project again, a
    changed environment read only at execution does not. Yields the days (none for a run
    without a partition range)."""
    names = (settings.WINDOW_START, settings.WINDOW_END)
    days: list[dt.date] = []
    if context.has_partition_key_range:
        days = window_days(context.partition_time_window)
        os.environ.update(zip(names, (str(days[0]), str(days[-1])), strict=True))
    # the shop's settings (shop.yml), which dbt_project.yml reads from the environment
    shop = load_shop().dbt_environment()
    os.environ.update(shop)
    try:
        yield days
    finally:
        for name in [*names, *shop]:
            os.environ.pop(name, None)


def untested_marker(warehouse: Path | None = None) -> Path:
    """The file beside the warehouse (by default the pipeline's) naming the first run whose
    dbt tests have not all passed yet (absent when the last run passed them all)."""
    warehouse = warehouse or settings.warehouse_path()
    return warehouse.with_name(f"{warehouse.name}.untested")


@contextlib.contextmanager
def scoped_tests(run_id: str) -> Iterator[None]:
    """The rows a layer's tests read. Tests of facts rebuilt by day read only the days the
    run rebuilt (macro get_where_subquery), unless an earlier run's tests did not all pass
    (it failed, or was stopped): rows that failed then may lie before this run's days, so
    every test reads every row (SHOP_TEST_EVERY_ROW) until a run passes them all. The
    marker is written before a run's first layer builds; the last layer removes it once its
    tests have passed."""
    marker = untested_marker()
    earlier = marker.read_text() if marker.exists() else None
    if earlier is None:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(run_id)
    if earlier not in (None, run_id):
        os.environ[settings.TEST_EVERY_ROW] = "1"
    try:
        yield
    finally:
        os.environ.pop(settings.TEST_EVERY_ROW, None)


def keep_partial_parse(invocation_target: Path) -> None:
    """Offer the invocation's partial-parse state to the next one (each dbt invocation gets
    its own target folder, seeded from this one): the next run parses only what changed."""
    state = invocation_target / PARTIAL_PARSE
    if state.exists():
        shared = Path(os.environ.get("DBT_TARGET_PATH", PROJECT_ROOT / "target"))
        shared.mkdir(parents=True, exist_ok=True)
        temporary = shared / f".{PARTIAL_PARSE}.{os.getpid()}"
        shutil.copyfile(state, temporary)
        os.replace(temporary, shared / PARTIAL_PARSE)


class WarehouseDbt(DbtCliResource):
    """dagster-dbt's dbt CLI resource without two things it does in the Dagster process
    before a run's first dbt invocation: open a dbt adapter, which serves only
    ``fetch_row_counts`` and ``fetch_column_metadata`` (no step calls them; loading dbt's
    profile, project and adapter for it cost 2.4 s before the first dbt step and 0.7 s
    before the next), and start ``dbt --version`` to learn which dbt it runs (1.6 s): the
    executable is the environment's own dbt (orchestration.transform.DBT), whose version
    is the installed dbt-core's (test_manifest checks the two agree). It overrides
    dagster-dbt's private ``_initialize_dbt_core_adapter`` and ``_cli_version`` (version
    pinned in uv.lock); the pipeline tests run every dbt step through it."""

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))


def step_assets(name: str, select: str, exclude: str) -> AssetsDefinition:
    @dbt_assets(
        manifest=DBT_PROJECT.manifest_path,
        select=select,
        exclude=exclude,
        name=f"dbt_{name}",
        dagster_dbt_translator=TRANSLATOR,
        partitions_def=daily_partitions(),
        backfill_policy=BackfillPolicy.single_run(),
        project=DBT_PROJECT,
        pool=WAREHOUSE_POOL,
    )
    def _build(context: AssetExecutionContext, dbt: WarehouseDbt):
        settings.warehouse_path().parent.mkdir(parents=True, exist_ok=True)
        # buildable: a test runs in the step that builds the last of its parents. Unit
        # tests check the models' SQL on fixed inputs, not the day's data: make test runs
        # them (test_pipeline.py), as dbt advises, not every scheduled run.
        arguments = [
            "build", "--indirect-selection", "buildable", "--exclude-resource-type", "unit_test",
        ]  # fmt: skip
        with run_window(context) as days, scoped_tests(context.run_id):
            threads = settings.dbt_threads(len(days)) if days else None
            if threads:
                arguments += ["--threads", str(threads)]
            invocation = dbt.cli(arguments, context=context)
            yield from invocation.stream()
        keep_partial_parse(invocation.target_path)
        if name == DBT_STEPS[-1]:  # every step's tests passed
            untested_marker().unlink(missing_ok=True)

    return _build


def dbt_step_assets() -> list[AssetsDefinition]:
    ensure_manifest()
    selections = step_selections()
    return [step_assets(name, *selections[name]) for name in DBT_STEPS]
