"""Reading what tests check: a warehouse file (one read-only connection per query, closed
after it) and the landing files themselves (a second route to the same numbers)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import duckdb
import pyarrow.csv as pa_csv
import pytest

from orchestration.contract import load_contract
from orchestration.ingest import ingest
from orchestration.ingest.loader import connect
from orchestration.publish.publisher import publish
from orchestration.quality.quarantine import CHECKS_TABLE, record_check
from orchestration.quality.raw_checks import broken_rules, failed_days
from orchestration.quality.raw_suites import measure, raw_rules
from orchestration.simulator import simulate
from orchestration.transform import run_dbt

#: The small shops of the pipeline and engine tests: their first day and number of days, and
#: the export day the pipeline tests run again (damaged, repeated or killed).
SHOP_START, SHOP_DAYS = dt.date(2025, 6, 10), 10
RERUN_DAY = SHOP_START + dt.timedelta(days=7)
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
    landing, duckdb_file = root / "landing", root / "warehouse" / "shop.duckdb"
    duckdb_file.parent.mkdir(parents=True, exist_ok=True)
    simulate(landing, start=start, days=days, scale=scale, seed=seed)
    assert ingest(duckdb_file, landing).ok
    pass_raw_gate(duckdb_file)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHOP_WAREHOUSE_PATH", str(duckdb_file))
        assert run_dbt(["build", "--quiet", "--resource-type", "seed", "--resource-type", "model"])
    return duckdb_file


def pass_raw_gate(database: Path) -> None:
    """Check every loaded partition with the raw gate (over each table's loaded days, as a
    full run checks them) and record the outcome, which must be a pass: the shop is then as
    a full run leaves it, and later runs over some days do not wait for the others."""
    con = connect(database)
    try:
        for table in load_contract().tables:
            ((first, last),) = con.execute(
                f"select min(partition_date), max(partition_date) from {CHECKS_TABLE} "
                "where table_name = ?",
                [table.name],
            ).fetchall()
            if first is None:
                continue
            days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
            broken = broken_rules(raw_rules(table), measure(con, table, first, last))
            assert not broken, (table.name, failed_days(con, table, days, "; ".join(broken)))
            record_check(con, table.name, days, {})
    finally:
        con.close()


def use_shop(monkeypatch: pytest.MonkeyPatch, root: Path, first_day: dt.date) -> None:
    """Point the pipeline's settings at a shop laid out under ``root`` as the helpers here
    lay it out (landing/, warehouse/shop.duckdb, published/)."""
    monkeypatch.setenv("SHOP_LANDING_DIR", str(root / "landing"))
    monkeypatch.setenv("SHOP_WAREHOUSE_PATH", str(root / "warehouse" / "shop.duckdb"))
    monkeypatch.setenv("SHOP_PUBLISHED_DIR", str(root / "published"))
    monkeypatch.setenv("SHOP_FIRST_DAY", str(first_day))


def shop_environment(root: Path, first_day: dt.date, settings_file: Path) -> dict[str, str]:
    """The environment of a pipeline process (``python -m orchestration.run``) for a shop laid
    out under ``root`` as ``use_shop`` lays it out, with its own settings file."""
    return {
        **os.environ,
        "SHOP_SETTINGS_FILE": str(settings_file),
        "SHOP_LANDING_DIR": str(root / "landing"),
        "SHOP_WAREHOUSE_PATH": str(root / "warehouse" / "shop.duckdb"),
        "SHOP_PUBLISHED_DIR": str(root / "published"),
        "SHOP_FIRST_DAY": str(first_day),
    }


def published_file(root: Path) -> Path:
    """The version file a shop's ``published/current.duckdb`` points to."""
    return (root / "published" / "current.duckdb").resolve()


def fingerprint(root: Path) -> tuple[str, str]:
    """The published version's file name and content hash."""
    current = published_file(root)
    return current.name, hashlib.sha256(current.read_bytes()).hexdigest()


def small_shop_on_duckdb(root: Path) -> Path:
    """The small shop the engine-parity tests share (SHOP_DAYS days from SHOP_START)."""
    return shop_on_duckdb(root, SHOP_START, days=SHOP_DAYS, scale=0.05, seed=11)


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


def published(root: Path, sql: str) -> list[tuple]:
    """All rows of ``sql`` on the version a shop under ``root`` has published."""
    return query(root / "published" / "current.duckdb", sql)


def monthly_values(root: Path, code: str, dimension: str = "all") -> dict:
    """A published indicator's monthly values: by month start, or by (month start, slice
    value) for a slice dimension."""
    rows = published(
        root,
        "select period_start, slice_value, indicator_value from marts.fct_indicator_values "
        f"where indicator_code = '{code}' and grain = 'month' and slice_dimension = '{dimension}'",
    )
    if dimension == "all":
        return {start: value for start, _, value in rows}
    return {(start, value_of): value for start, value_of, value in rows}


def latest(rows: list[dict], key: str) -> dict[str, dict]:
    """The latest version of each record of a table delivered as changes (by updated_at)."""
    newest: dict[str, dict] = {}
    for row in rows:
        if row[key] not in newest or row["updated_at"] >= newest[row[key]]["updated_at"]:
            newest[row[key]] = row
    return newest


def personal_values(landing: Path) -> set[str]:
    """Every customer name, email and phone the shop delivered (what must never be shown)."""
    customers = read_landed(landing, "shop", "customers")
    return {c[key] for c in customers for key in ("full_name", "email", "phone") if c[key]}


def columns_holding(database: Path, schemas: tuple[str, ...], secrets: set[str]) -> list[str]:
    """The text columns of ``schemas`` in which any value equals one of ``secrets``."""
    listed = ", ".join(f"'{schema}'" for schema in schemas)
    con = duckdb.connect(str(database), read_only=True)
    try:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            f"where table_schema in ({listed}) and data_type = 'VARCHAR'"
        ).fetchall()
        con.execute("create temporary table secrets (secret varchar)")
        con.executemany("insert into secrets values (?)", [[secret] for secret in secrets])
        return [
            f"{schema}.{table}.{column}"
            for schema, table, column in columns
            if con.execute(
                f'select count(*) from {schema}.{table} where "{column}" in '
                "(select secret from secrets)"
            ).fetchall()[0][0]
        ]
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
