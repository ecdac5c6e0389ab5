"""The semantic layer (MetricFlow) answers the headline indicators from the published file.

A small shop is built and published (35 days from 1 June: a full month and a partial one;
the session's ``june_shop``). The dbt project is parsed with the ``published`` target
into a temporary target directory, and the ``mf`` command line queries every metric named
after an indicator of seed indicator_catalog at day, week and month grain against the
published, read-only ``current.duckdb``. Each value must equal the shop-wide row of
``marts.fct_indicator_values`` of the same indicator and period: exactly for sums and
counts, to 1e-9 relative for ratios (which MetricFlow computes as sum over sum per period,
like the indicator layer).
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.settings import PROJECT_ROOT
from orchestration.tests.conftest import JUNE_SHOP_DAYS
from orchestration.tests.warehouse import query

GRAINS = ("day", "week", "month")
MF = Path(sys.executable).parent / "mf"
DBT = Path(sys.executable).parent / "dbt"
#: The headline indicators the semantic layer must answer (seed indicator_catalog codes).
HEADLINE = {
    "page_views",
    "unique_visitors",
    "visits",
    "bounce_rate",
    "order_conversion_rate",
    "valid_orders",
    "gmv",
    "net_sales",
    "aov",
    "gross_margin",
    "return_rate",
    "new_customers",
    "marketing_cost",
    "roi",
}


@pytest.fixture(scope="module")
def published(june_shop: Path) -> Path:
    return june_shop


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


def catalog(published: Path) -> dict[str, str]:
    """indicator_code → aggregation (sum, distinct, ratio, ...) from the published catalog."""
    rows = query(
        published / "current.duckdb",
        "select indicator_code, aggregation from reference.indicator_catalog",
    )
    return dict(rows)


def mf_query(project: Path, env: dict[str, str], metrics: list[str], grain: str) -> list[dict]:
    """Rows of ``mf query --metrics ... --group-by metric_time__<grain> --csv``."""
    output = project / f"{grain}.csv"
    result = subprocess.run(
        [
            MF,
            "query",
            "--metrics",
            ",".join(metrics),
            "--group-by",
            f"metric_time__{grain}",
            "--order",
            f"metric_time__{grain}",
            "--csv",
            output,
        ],
        env=env,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0 and output.exists(), result.stdout + result.stderr
    with output.open(newline="") as file:
        return list(csv.DictReader(file))


def test_every_semantic_element_is_documented_and_ratios_are_ratio_metrics(
    published: Path, semantic_project: tuple[Path, dict[str, str]]
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
    aggregations = catalog(published)
    assert HEADLINE - (types.keys() & aggregations.keys()) == set()
    wrong_type = {
        name: kind
        for name, kind in types.items()
        if name in aggregations and (kind == "ratio") != (aggregations[name] == "ratio")
    }
    assert wrong_type == {}
    (spine,) = manifest["project_configuration"]["time_spines"]
    assert spine["node_relation"]["alias"] == "dim_date"
    assert spine["primary_column"] == {"name": "date_day", "time_granularity": "day"}


@pytest.mark.parametrize("grain", GRAINS)
def test_metrics_equal_the_indicator_values_of_every_period(
    grain: str, published: Path, semantic_project: tuple[Path, dict[str, str]]
) -> None:
    project, env = semantic_project
    aggregations = catalog(published)
    metrics = sorted(
        metric["name"]
        for metric in semantic_manifest(project)["metrics"]
        if metric["name"] in aggregations
    )
    version = (published / "current.duckdb").resolve()
    before = hashlib.sha256(version.read_bytes()).hexdigest()

    rows = mf_query(project, env, metrics, grain)

    assert hashlib.sha256(version.read_bytes()).hexdigest() == before
    assert rows, f"MetricFlow returned no rows at {grain} grain"
    time_column = f"metric_time__{grain}"
    answered = {
        (metric, row[time_column][:10]): float(row[metric])
        for row in rows
        for metric in metrics
        if row[metric] != ""
    }
    expected = {
        (code, str(period)): value
        for code, period, value in query(
            published / "current.duckdb",
            "select indicator_code, period_start, indicator_value "
            "from marts.fct_indicator_values "
            "where grain = ? and slice_dimension = 'all' and indicator_value is not null "
            f"and indicator_code in ({', '.join('?' * len(metrics))})",
            [grain, *metrics],
        )
    }
    periods = {period for _, period in expected}
    # every period of the indicator layer, each with a value for every metric it has one for
    assert {row[time_column][:10] for row in rows} == periods
    assert len(periods) >= {"day": JUNE_SHOP_DAYS, "week": 5, "month": 2}[grain]
    assert answered.keys() == expected.keys()
    mismatches = {
        key: (value, expected[key])
        for key, value in answered.items()
        if not (
            math.isclose(value, expected[key], rel_tol=1e-9, abs_tol=0.0)
            if aggregations[key[0]] == "ratio"
            else value == expected[key]
        )
    }
    assert mismatches == {}
