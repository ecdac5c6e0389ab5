"""A shop that delivers only its order system (simulator profile ``orders-only``: the shop
source, wms warehouses and shipments) through the whole pipeline.

The run publishes; indicator_availability lists every indicator whose raw tables the shop
did not deliver, with those tables, and fct_indicator_values holds none of them; the run
report names them ("needs web.events"); and the published figures equal a recomputation
from the landing files alone (plain Python, no warehouse): per month GMV, net sales, total
and valid orders, the return rate and net sales by level 1 category.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from orchestration.contract import load_contract
from orchestration.contract.landing import write_landing_file
from orchestration.ingest import ingest
from orchestration.settings import PROJECT_ROOT
from orchestration.simulator.profiles import ORDER_SYSTEM_TABLES
from orchestration.summary import indicator_report
from orchestration.tests.warehouse import (
    assert_equal_figures,
    landing_figures,
    monthly_values,
    profile_shop,
    published,
)
from orchestration.transform import run_dbt

#: Two months (end of March, start of April) of a small shop, away from promotion peaks.
START, DAYS = dt.date(2025, 3, 24), 14


@pytest.fixture(scope="module")
def orders_only_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return profile_shop(tmp_path_factory.mktemp("orders_only"), "orders-only", START, DAYS, 0.05)


def test_indicators_needing_undelivered_tables_are_listed_with_them_and_have_no_values(
    orders_only_shop: Path,
) -> None:
    with (PROJECT_ROOT / "seeds" / "indicator_catalog.csv").open(encoding="utf-8") as file:
        catalog = {
            row["indicator_code"]: row["raw_tables"].split(";") for row in csv.DictReader(file)
        }
    expected = {
        code: ", ".join(sorted(t for t in tables if t not in ORDER_SYSTEM_TABLES))
        for code, tables in catalog.items()
        if not set(tables) <= ORDER_SYSTEM_TABLES
    }
    rows = published(
        orders_only_shop,
        "select indicator_code, status, missing_tables, availability_note "
        "from marts.indicator_availability",
    )
    assert len(rows) == len(catalog)
    missing = {code: tables for code, status, tables, _ in rows if status == "not_available"}
    assert missing == expected
    notes = {code: note for code, _, _, note in rows}
    assert notes["page_views"] == "needs web.events"
    assert notes["roi"] == "needs marketing.ad_spend, marketing.campaigns"
    assert notes["gmv"] is None and notes["return_rate"] is None
    computed = {code for (code,) in published(
        orders_only_shop, "select distinct indicator_code from marts.fct_indicator_values"
    )}  # fmt: skip
    assert computed == set(catalog) - set(expected)
    report = indicator_report(orders_only_shop / "published" / "current.duckdb")
    assert f"indicators available: {len(catalog) - len(expected)} of {len(catalog)}" in report
    assert all(f"needs {tables}" in report for tables in expected.values())


def test_published_figures_equal_a_recomputation_from_the_landing_files(
    orders_only_shop: Path,
) -> None:
    expected = landing_figures(orders_only_shop / "landing")
    assert len(expected["gmv"]) == 2  # March and April
    for code in ("gmv", "net_sales", "total_orders", "valid_orders", "return_rate"):
        assert_equal_figures(monthly_values(orders_only_shop, code), expected[code])
    assert_equal_figures(
        monthly_values(orders_only_shop, "sales_by_category", "category_l1"), expected["category"]
    )


def test_an_export_day_without_records_is_a_delivery(tmp_path: Path) -> None:
    """A young shop that has had no return yet delivers returns all the same (export days
    whose files hold a header and no row): the required table counts as delivered, while a
    table of which no file ever landed does not."""
    contract = load_contract()
    returns, events = contract.table("shop", "returns"), contract.table("web", "events")
    landing, database = tmp_path / "landing", tmp_path / "warehouse" / "shop.duckdb"
    write_landing_file(landing, returns, START, returns.arrow_schema.empty_table())
    report = ingest(database, landing)
    assert [(result.table, result.status, result.rows) for result in report.results] == [
        ("returns", "loaded", 0)
    ]
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("SHOP_WAREHOUSE_PATH", str(database))
        assert run_dbt(["run", "--quiet", "--select", "raw_table_deliveries"])
    con = duckdb.connect(str(database), read_only=True)
    try:
        delivered = dict(
            con.execute(
                "select raw_table, is_delivered from staging.raw_table_deliveries "
                "where raw_table in (?, ?, ?)",
                ["shop.returns", "web.events", "shop.refunds"],
            ).fetchall()
        )
    finally:
        con.close()
    assert delivered == {"shop.returns": True, "web.events": False, "shop.refunds": False}
    assert not events.required
