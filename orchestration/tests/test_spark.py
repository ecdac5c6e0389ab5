"""The same dbt project on Spark, in this process (dbt-spark's session method, PySpark
local[2]), on a small shop: every seed and model builds, and the data and unit tests of the
project's own engine-specific SQL pass there; its headline indicators equal those DuckDB
computes from the same raw tables. The project's own engine-specific SQL is every macro it
dispatches to an engine's implementation (``spark__…``, ``duckdb__…``): the models that call
one (directly or through other macros), and the tests that do or that read such a model or a
seed (the project loads seeds into Spark with macros of its own).

These take minutes of Spark's per-query cost, so ``make reliability`` runs them (marker
``long``), then builds and tests the whole project on Spark (every data and unit test);
``make test`` checks the selection.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestration.tests.warehouse import (
    HEADLINE_VALUES,
    assert_same_headline,
    query,
)
from orchestration.transform.assets import DBT_PROJECT
from orchestration.transform.spark import copy_raw, dbt_on_spark, local_spark

DISPATCH = re.compile(r"adapter\.dispatch\(\s*[\"'](\w+)[\"']")


def engine_specific_macros(manifest: dict) -> set[str]:
    """The project's macros that dispatch to an engine's own implementation of theirs."""
    project = f"macro.{manifest['metadata']['project_name']}."
    names = {macro["name"] for key, macro in manifest["macros"].items() if key.startswith(project)}
    return {
        key
        for key, macro in manifest["macros"].items()
        if key.startswith(project)
        and any(
            name != f"default__{dispatched}" and name.endswith(f"__{dispatched}")
            for dispatched in DISPATCH.findall(macro["macro_sql"])
            for name in names
        )
    }


def calls_any(node: dict, wanted: set[str], macros: dict) -> bool:
    """Whether a node's SQL calls one of ``wanted`` macros, directly or through others."""
    pending, seen = list(node["depends_on"]["macros"]), set()
    while pending:
        key = pending.pop()
        if key in wanted:
            return True
        if key not in seen:
            seen.add(key)
            pending += macros.get(key, {}).get("depends_on", {}).get("macros", [])
    return False


def engine_specific_selection(manifest: dict) -> list[str]:
    """dbt selectors of every seed and model, and of the data and unit tests that call the
    project's engine-specific macros or read a seed (the project loads seeds into Spark
    itself: macros/spark_seeds.sql) or a model that calls one."""
    macros, specific = manifest["macros"], engine_specific_macros(manifest)
    nodes = {**manifest["nodes"], **manifest["unit_tests"]}
    specific_nodes = {
        key
        for key, node in nodes.items()
        if node["resource_type"] == "seed"
        or (node["resource_type"] == "model" and calls_any(node, specific, macros))
    }
    tests = sorted(
        "fqn:" + ".".join(node["fqn"])
        for node in nodes.values()
        if node["resource_type"] in ("test", "unit_test")
        and (set(node["depends_on"]["nodes"]) & specific_nodes or calls_any(node, specific, macros))
    )
    return ["resource_type:seed", "resource_type:model", *tests]


@pytest.fixture(scope="module")
def shop(small_shop: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The small shop on DuckDB and its raw tables in a Spark catalog."""
    root = tmp_path_factory.mktemp("spark")
    spark = local_spark(root / "spark")
    copy_raw(spark, small_shop, root / "spark" / "raw")
    yield {"spark": spark, "duckdb": small_shop, "root": root}
    spark.stop()


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(DBT_PROJECT.manifest_path.read_text())


@pytest.fixture(scope="module")
def built(shop: dict, manifest: dict) -> bool:
    selection = engine_specific_selection(manifest)
    arguments = ["build", "--quiet", "--indirect-selection", "empty", "--select", *selection]
    return dbt_on_spark(arguments, shop["root"] / "spark" / "target")


def test_the_selection_holds_the_tests_of_engine_specific_sql_only(manifest: dict) -> None:
    selection = set(engine_specific_selection(manifest))
    fqn = {node["name"]: "fqn:" + ".".join(node["fqn"]) for node in manifest["nodes"].values()}
    units = {
        node["name"]: "fqn:" + ".".join(node["fqn"]) for node in manifest["unit_tests"].values()
    }
    # fct_visits times visits with seconds_between (spark__seconds_between): its tests run
    assert fqn["unique_fct_visits_visit_id"] in selection
    assert units["visits_bounce_duration_new_visitor_and_channels"] in selection
    # seeds are loaded by the project's spark__load_csv_rows
    assert fqn["unique_channels_channel"] in selection
    # dim_warehouse and fct_sku_daily select and join columns in SQL common to the engines
    assert fqn["unique_dim_warehouse_warehouse_key"] not in selection
    assert units["sku_attributes_a_product_does_not_have"] not in selection


@pytest.mark.long
def test_every_model_builds_and_the_tests_of_engine_specific_sql_pass_on_spark(
    built: bool,
) -> None:
    assert built, "dbt build --target spark failed: see its output above"


@pytest.mark.long
def test_headline_indicators_equal_duckdb(shop: dict, built: bool) -> None:
    assert built
    assert_same_headline(
        query(shop["duckdb"], HEADLINE_VALUES), shop["spark"].sql(HEADLINE_VALUES).collect()
    )


@pytest.mark.long
def test_the_whole_project_builds_and_tests_on_spark(shop: dict) -> None:
    assert dbt_on_spark(["build", "--quiet"], shop["root"] / "spark" / "target"), (
        "dbt build --target spark failed: see its output above"
    )
