"""Reading what tests check: a warehouse file (one read-only connection per query, closed
after it) and the landing files themselves (a second route to the same numbers)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow.csv as pa_csv
import pytest

from orchestration.contract import load_contract
from orchestration.ingest import ingest
from orchestration.publish.publisher import publish
from orchestration.simulator import simulate
from orchestration.transform import run_dbt

#: The headline indicators every engine must compute alike, and the query that reads them.
HEADLINE = (
    "page_views", "unique_visitors", "visits", "bounce_rate", "order_conversion_rate",
    "valid_orders", "gmv", "net_sales", "aov", "gross_margin", "return_rate",
    "order_to_receipt_h", "new_customers", "marketing_cost", "roi",
)  # fmt: skip
HEADLINE_VALUES = (
    "select indicator_code, grain, cast(period_start as string), indicator_value "
    "from marts.fct_indicator_values where slice_dimension = 'all' and indicator_code in ({})"
).format(", ".join(f"'{code}'" for code in HEADLINE))


def shop_on_duckdb(root: Path, start: dt.date, days: int, scale: float, seed: int) -> Path:
    """A simulated shop under ``root``, ingested and built on DuckDB (seeds and models only:
    test_warehouse_build runs the dbt tests); its warehouse file."""
    landing, duckdb_file = root / "landing", root / "shop.duckdb"
    simulate(landing, start=start, days=days, scale=scale, seed=seed)
    assert ingest(duckdb_file, landing).ok
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHOP_WAREHOUSE_PATH", str(duckdb_file))
        assert run_dbt(["build", "--quiet", "--resource-type", "seed", "--resource-type", "model"])
    return duckdb_file


def small_shop_on_duckdb(root: Path) -> Path:
    """The small shop the engine-parity tests share (10 days from 2025-06-10)."""
    return shop_on_duckdb(root, dt.date(2025, 6, 10), days=10, scale=0.05, seed=11)


def published_shop(root: Path, start: dt.date, days: int, seed: int = 11) -> Path:
    """A shop built on DuckDB and published once, as readers get it: the published
    directory (``current.duckdb`` and its version)."""
    published = root / "published"
    publish(shop_on_duckdb(root, start, days, scale=0.03, seed=seed), published, run_id="test")
    return published


def assert_same_headline(on_duckdb: list[tuple], on_other: list[tuple]) -> None:
    """Rows of HEADLINE_VALUES from DuckDB and another engine: the same periods and values
    (to 1e-9: the engines sum floating point in different orders)."""
    expected = {tuple(row[:3]): row[3] for row in on_duckdb}
    actual = {tuple(row[:3]): row[3] for row in on_other}
    assert set(actual) == set(expected)
    assert {code for code, _, _ in expected} == set(HEADLINE)
    for key, value in expected.items():
        if value is None:  # a ratio over nothing (no marketing cost: no ROI)
            assert actual[key] is None, key
        else:
            assert float(actual[key]) == pytest.approx(value, rel=1e-9, abs=1e-9), key


def query(database: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    """All rows of ``sql`` on ``database``, opened read-only."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, parameters or []).fetchall()
    finally:
        con.close()


def read_landed(landing: Path, source: str, table: str, day: dt.date | None = None) -> list[dict]:
    """The landed rows of a CSV table (of one export day, or all), read straight from the
    files."""
    encoding = load_contract().source(source).csv_encoding
    pattern = f"date={day}/*.csv" if day else "date=*/*.csv"
    rows: list[dict] = []
    for path in sorted((landing / source / table).glob(pattern)):
        rows += pa_csv.read_csv(
            path, read_options=pa_csv.ReadOptions(encoding=encoding)
        ).to_pylist()
    return rows
