"""The same dbt project on Spark: it builds and passes every test on a small shop, in this
process (dbt-spark's session method, PySpark local[2]), and its headline indicators equal
those DuckDB computes from the same raw tables."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orchestration.tests.warehouse import (
    HEADLINE_VALUES,
    assert_same_headline,
    query,
    small_shop_on_duckdb,
)
from orchestration.transform.spark import copy_raw, dbt_on_spark, local_spark


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("spark")
    duckdb_file = small_shop_on_duckdb(root)
    spark = local_spark(root / "spark")
    copy_raw(spark, duckdb_file, root / "spark" / "raw")
    built = dbt_on_spark(["build", "--quiet"], root / "spark" / "target")
    yield {"spark": spark, "duckdb": duckdb_file, "built": built}
    spark.stop()


def test_the_whole_project_builds_and_tests_on_spark(engines: dict) -> None:
    assert engines["built"], "dbt build --target spark failed: see its output above"


def test_headline_indicators_equal_duckdb(engines: dict) -> None:
    assert_same_headline(
        query(engines["duckdb"], HEADLINE_VALUES), engines["spark"].sql(HEADLINE_VALUES).collect()
    )
