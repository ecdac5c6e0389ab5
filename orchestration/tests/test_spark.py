"""The same dbt project on Spark: it builds and passes every test on a small shop, in this
process (dbt-spark's session method, PySpark local[2]), and its headline indicators equal
those DuckDB computes from the same raw tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from orchestration.ingest import ingest
from orchestration.simulator import simulate
from orchestration.tests.warehouse import query
from orchestration.transform import run_dbt
from orchestration.transform.spark import copy_raw, dbt_on_spark, local_spark

HEADLINE = (
    "page_views", "unique_visitors", "visits", "bounce_rate", "order_conversion_rate",
    "valid_orders", "gmv", "net_sales", "aov", "gross_margin", "return_rate",
    "order_to_receipt_h", "new_customers", "marketing_cost", "roi",
)  # fmt: skip
HEADLINE_VALUES = (
    "select indicator_code, grain, cast(period_start as string), indicator_value "
    "from marts.fct_indicator_values where slice_dimension = 'all' and indicator_code in ({})"
).format(", ".join(f"'{code}'" for code in HEADLINE))


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("spark")
    landing, duckdb_file = root / "landing", root / "shop.duckdb"
    simulate(landing, start=dt.date(2025, 6, 10), days=10, scale=0.05, seed=11)
    assert ingest(duckdb_file, landing).ok
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHOP_WAREHOUSE_PATH", str(duckdb_file))
        # seeds and models only: the DuckDB build's tests run in test_warehouse_build
        assert run_dbt(["build", "--quiet", "--resource-type", "seed", "--resource-type", "model"])
    spark = local_spark(root / "spark")
    copy_raw(spark, duckdb_file, root / "spark" / "raw")
    built = dbt_on_spark(["build", "--quiet"], root / "spark" / "target")
    yield {"spark": spark, "duckdb": duckdb_file, "built": built}
    spark.stop()


def test_the_whole_project_builds_and_tests_on_spark(engines: dict) -> None:
    assert engines["built"], "dbt build --target spark failed: see its output above"


def test_headline_indicators_equal_duckdb(engines: dict) -> None:
    on_duckdb = {row[:3]: row[3] for row in query(engines["duckdb"], HEADLINE_VALUES)}
    on_spark = {tuple(row[:3]): row[3] for row in engines["spark"].sql(HEADLINE_VALUES).collect()}
    assert set(on_spark) == set(on_duckdb)
    assert {code for code, _, _ in on_duckdb} == set(HEADLINE)
    for key, value in on_duckdb.items():
        if value is None:  # a ratio over nothing (no marketing cost: no ROI)
            assert on_spark[key] is None, key
        else:
            assert on_spark[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
