"""The semantic layer (MetricFlow) answers every indicator it can express from the
published file, with the indicator layer's values.

A small shop is built and published (35 days from 1 June: a full month and a partial one;
the session's ``june_shop``). The dbt project is parsed with the ``published`` target
into a temporary target directory, and MetricFlow (one process, its engine reused for
every query) answers every metric generated from the indicator catalog
(``orchestration/semantic_layer.py``): shop-wide at day, week and month grain, and by each
of its slices monthly, against the published, read-only ``current.duckdb``. Each value
must equal the row of ``marts.fct_indicator_values`` of the same indicator, period and
slice: exactly for sums, counts and percentiles, to 1e-9 relative for ratios (a quotient of
two sums in floating point, which MetricFlow computes per period like the indicator layer).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.indicator_catalog import load_catalog
from orchestration.semantic_layer import (
    Layer,
    Term,
    build,
    dimension_slices,
    parse,
    semantic_model_name,
)
from orchestration.settings import PROJECT_ROOT
from orchestration.tests.conftest import JUNE_SHOP_DAYS
from orchestration.tests.warehouse import query

GRAINS = ("day", "week", "month")
DBT = Path(sys.executable).parent / "dbt"
#: Runs MetricFlow queries ([metrics, group by] pairs, JSON on stdin) with one engine, the
#: mf command's own configuration (DBT_PROJECT_DIR, DBT_PROFILES_DIR), and writes each
#: answer's columns and rows (values as text, null as null) as JSON to the file argv[1].
MF_RUNNER = """
import json, sys
from dbt_metricflow.cli.cli_configuration import CLIConfiguration
from metricflow.engine.metricflow_engine import MetricFlowQueryRequest
config = CLIConfiguration()
config.setup(configure_file_logging=False)
answers = []
for metrics, group_by in json.load(sys.stdin):
    table = config.mf.query(
        MetricFlowQueryRequest.create(metric_names=metrics, group_by_names=group_by)
    ).result_df
    rows = [[None if value is None else str(value) for value in row] for row in table.rows]
    answers.append({"columns": list(table.column_names), "rows": rows})
with open(sys.argv[1], "w") as file:
    json.dump(answers, file)
"""


@pytest.fixture(scope="module")
def published(june_shop: Path) -> Path:
    return june_shop


@pytest.fixture(scope="module")
def layer() -> Layer:
    return build(load_catalog())


@pytest.fixture(scope="module")
def semantic_project(
    published: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str]]:
    """A MetricFlow project directory (the project's dbt_project.yml, and target/ holding the
    semantic manifest parsed with the published target) and the environment to run mf in."""
    project = tmp_path_factory.mktemp("semantic_project")
    (project / "dbt_project.yml").symlink_to(PROJECT_ROOT / "dbt_project.yml")
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_ROOT / "profiles"),
        "DBT_PROJECT_DIR": str(project),
        "DBT_LOG_PATH": str(project / "logs"),
        "SHOP_DBT_TARGET": "published",
        "SHOP_PUBLISHED_DIR": str(published),
    }
    parse = subprocess.run(
        [DBT, "parse", "--project-dir", PROJECT_ROOT, "--target-path", project / "target"],
        env=env,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert parse.returncode == 0, parse.stdout + parse.stderr
    return project, env


def semantic_manifest(project: Path) -> dict:
    return json.loads((project / "target" / "semantic_manifest.json").read_text())


def mf_queries(
    project: Path, env: dict[str, str], queries: list[tuple[list[str], list[str]]]
) -> list[list[dict]]:
    """MetricFlow's answer to each (metrics, group by) query: rows as {column: text}."""
    output = project / "answers.json"
    result = subprocess.run(
        [sys.executable, "-c", MF_RUNNER, output],
        input=json.dumps(queries),
        env=env,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0 and output.exists(), result.stdout + result.stderr
    return [
        [dict(zip(answer["columns"], row, strict=True)) for row in answer["rows"]]
        for answer in json.loads(output.read_text())
    ]


def total_queries(layer: Layer) -> list[tuple[list[str], list[str]]]:
    """Per grain, the metrics with a shop-wide value the catalog defines at that grain."""
    entries = [e for e in layer.catalog if e["code"] in layer.parsed and e.get("has_total", True)]
    return [
        ([e["code"] for e in entries if grain in e["grains"]], [f"metric_time__{grain}"])
        for grain in GRAINS
    ]


def slice_queries(layer: Layer) -> list[tuple[list[str], list[str]]]:
    """Per semantic model and dimension, monthly, the metrics sliced by it."""
    by_dimension: dict[tuple[str, str], list[str]] = {}
    for entry in layer.catalog:
        if entry["code"] in layer.parsed:
            for name, _ in dimension_slices(entry):
                key = (semantic_model_name(entry["source_model"]), name)
                by_dimension.setdefault(key, []).append(entry["code"])
    return [
        (codes, ["metric_time__month", f"{model}__{name}"])
        for (model, name), codes in by_dimension.items()
    ]


@pytest.fixture(scope="module")
def answers(
    published: Path, layer: Layer, semantic_project: tuple[Path, dict[str, str]]
) -> list[list[dict]]:
    """MetricFlow's answers to total_queries then slice_queries, in one process; the
    published file is read, never written."""
    project, env = semantic_project
    version = (published / "current.duckdb").resolve()
    before = hashlib.sha256(version.read_bytes()).hexdigest()
    rows = mf_queries(project, env, total_queries(layer) + slice_queries(layer))
    assert hashlib.sha256(version.read_bytes()).hexdigest() == before
    return rows


def indicator_values(published: Path, grain: str, dimension: str, codes: list[str]) -> dict:
    """(code, period_start, slice value) → value of fct_indicator_values, where not null."""
    return {
        (code, str(period), slice_value): value
        for code, period, slice_value, value in query(
            published / "current.duckdb",
            "select indicator_code, period_start, slice_value, indicator_value "
            "from marts.fct_indicator_values "
            "where grain = ? and slice_dimension = ? and indicator_value is not null "
            f"and indicator_code in ({', '.join('?' * len(codes))})",
            [grain, dimension, *codes],
        )
    }


def mismatches(layer: Layer, answered: dict, expected: dict) -> dict:
    aggregation = {entry["code"]: entry["aggregation"] for entry in layer.catalog}
    return {
        key: (value, expected[key])
        for key, value in answered.items()
        if not (
            math.isclose(value, expected[key], rel_tol=1e-9, abs_tol=0.0)
            if aggregation[key[0]] == "ratio"
            else value == expected[key]
        )
    }


def test_every_expressible_indicator_is_a_documented_metric_of_its_kind(
    layer: Layer, semantic_project: tuple[Path, dict[str, str]]
) -> None:
    project, _ = semantic_project
    manifest = semantic_manifest(project)
    undocumented = []
    for model in manifest["semantic_models"]:
        if not model.get("description"):
            undocumented.append(model["name"])
        for kind in ("entities", "dimensions", "measures"):
            undocumented += [
                f"{model['name']}.{element['name']}"
                for element in model[kind]
                if not element.get("description")
            ]
    undocumented += [m["name"] for m in manifest["metrics"] if not m.get("description")]
    assert undocumented == []

    types = {metric["name"]: metric["type"] for metric in manifest["metrics"]}
    catalog = {entry["code"]: entry for entry in layer.catalog}
    # every indicator is a metric or left out with its reason, never both
    assert set(layer.codes) | set(layer.left_out) == catalog.keys()
    assert set(layer.codes) <= types.keys()
    assert set(layer.left_out) & types.keys() == set()
    # a ratio is a ratio metric (never a quotient of daily values); the rest one measure
    # (or, were the catalog to have one, arithmetic of measures: a derived metric)
    wrong = {
        code: types[code]
        for code in layer.codes
        if (types[code] == "ratio") != (catalog[code]["aggregation"] == "ratio")
        or types[code] not in ("ratio", "simple", "derived")
    }
    assert wrong == {}
    (spine,) = manifest["project_configuration"]["time_spines"]
    assert spine["node_relation"]["alias"] == "dim_date"
    assert spine["primary_column"] == {"name": "date_day", "time_granularity": "day"}


@pytest.mark.parametrize("grain", GRAINS)
def test_metrics_equal_the_indicator_values_of_every_period(
    grain: str, published: Path, layer: Layer, answers: list[list[dict]]
) -> None:
    metrics, (time_column,) = total_queries(layer)[GRAINS.index(grain)]
    rows = answers[GRAINS.index(grain)]
    assert rows, f"MetricFlow returned no rows at {grain} grain"
    answered = {
        (metric, row[time_column][:10], "all"): float(row[metric])
        for row in rows
        for metric in metrics
        if row[metric] is not None
    }
    expected = indicator_values(published, grain, "all", metrics)
    periods = {period for _, period, _ in expected}
    # every period of the indicator layer, each with a value for every metric it has one for
    assert {row[time_column][:10] for row in rows} == periods
    assert len(periods) >= {"day": JUNE_SHOP_DAYS, "week": 5, "month": 2}[grain]
    assert {code for code, _, _ in expected} == set(metrics)
    assert answered.keys() == expected.keys()
    assert mismatches(layer, answered, expected) == {}


def test_metrics_by_each_slice_equal_the_monthly_indicator_values(
    published: Path, layer: Layer, answers: list[list[dict]]
) -> None:
    slices = slice_queries(layer)
    compared, wrong = set(), {}
    for (metrics, (time_column, dimension)), rows in zip(
        slices, answers[len(GRAINS) :], strict=True
    ):
        name = dimension.partition("__")[2]
        answered = {
            (metric, row[time_column][:10], row[dimension]): float(row[metric])
            for row in rows
            for metric in metrics
            if row[metric] is not None
        }
        expected = indicator_values(published, "month", name, metrics)
        assert answered.keys() == expected.keys(), dimension
        wrong |= mismatches(layer, answered, expected)
        compared |= {code for code, _, _ in expected}
    assert wrong == {}
    # every metric without a shop-wide value is compared by a slice
    without_total = {e["code"] for e in layer.catalog if not e.get("has_total", True)}
    assert without_total & set(layer.codes) <= compared


def test_catalog_expressions_become_measures_and_their_arithmetic() -> None:
    assert parse("fct_x", "sum(a) - sum(case when t = 'p' then b else 0 end)") == (
        [Term("fct_x", "sum", "a"), Term("fct_x", "sum", "case when t = 'p' then b else 0 end")],
        "{0} - {1}",
    )
    assert parse("fct_x", "sum(s) * 1.0 / count(distinct d)") == (
        [Term("fct_x", "sum", "s"), Term("fct_x", "count_distinct", "d")],
        "{0} * 1.0 / {1}",
    )
    assert parse("fct_x", "count(*)") == ([Term("fct_x", "count", "1")], "{0}")
    assert parse("fct_x", "percentile_cont(0.95) within group (order by ms)") == (
        [Term("fct_x", "percentile", "ms", 0.95)],
        "{0}",
    )


@pytest.mark.parametrize(
    ("numerator", "denominator", "grains", "reason"),
    [
        ("sum(a)", "sum(sum(a)) over (partition by {period_start})", None, "window"),
        ("count(distinct case when d < {period_start} then c end)", None, None, "start of"),
        ("avg(a)", None, None, "avg() is not one of the measures"),
        ("sum(a)", "sum(b)", ["day"], "defined for day only"),
        ("sum(a) || 'x'", None, None, "not arithmetic of aggregates"),
    ],
)
def test_an_indicator_metricflow_cannot_express_is_left_out_with_the_reason(
    numerator: str, denominator: str | None, grains: list[str] | None, reason: str
) -> None:
    entry = {
        "code": "x", "name_en": "X", "name_zh": "X", "definition": "X.", "unit": "count",
        "aggregation": "ratio" if denominator else "sum", "source_model": "fct_x",
        "date_column": "d", "numerator": numerator, "grains": grains or ["day", "week", "month"],
    }  # fmt: skip
    if denominator:
        entry["denominator"] = denominator
    layer = build([entry])
    assert layer.codes == [] and layer.metrics == []
    assert reason in layer.left_out["x"]


def test_the_catalog_indicators_metricflow_cannot_express(layer: Layer) -> None:
    # by hand from the catalog: shares of the period's total (a window), cohort logic on
    # the period's start, and the two concentration indicators defined per day only
    assert layer.left_out.keys() == {
        "category_sku_share", "category_sales_share", "attribute_sales_share",
        "warehouse_backlog_share", "payment_method_share", "delivery_method_share",
        "rfm_segment", "repeat_purchase_rate", "returning_customers",
        "returning_customer_share", "category_sku_concentration", "category_sku_hhi",
    }  # fmt: skip
    documented = (PROJECT_ROOT / "docs" / "semantic_layer.md").read_text(encoding="utf-8")
    assert all(f"| `{code}` |" in documented for code in layer.left_out)


def test_a_ratio_divides_metrics_and_arithmetic_of_measures_is_a_derived_metric() -> None:
    common = {
        "name_en": "X", "name_zh": "X", "definition": "X.", "unit": "CNY",
        "source_model": "fct_x", "date_column": "d", "grains": ["day", "week", "month"],
    }  # fmt: skip
    layer = build(
        [
            {**common, "code": "net", "aggregation": "sum", "numerator": "sum(a) - sum(b)"},
            {
                **common,
                "code": "per_row",
                "aggregation": "ratio",
                "numerator": "sum(a)",
                "denominator": "count(*)",
            },
        ]
    )
    shapes = {m["name"]: (m["type"], m["type_params"]) for m in layer.metrics}
    assert shapes == {
        "net": ("derived", {"expr": "a - b", "metrics": [{"name": "a"}, {"name": "b"}]}),
        "per_row": ("ratio", {"numerator": "a", "denominator": "x_rows"}),
        "a": ("simple", {"measure": "a"}),
        "b": ("simple", {"measure": "b"}),
        "x_rows": ("simple", {"measure": "x_rows"}),
    }
    assert {m.name: (m.term.agg, m.term.expr) for m in layer.measures.values()} == {
        "a": ("sum", "a"),
        "b": ("sum", "b"),
        "x_rows": ("count", "1"),
    }
