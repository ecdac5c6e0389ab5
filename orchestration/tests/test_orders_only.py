"""A shop that delivers only its order system (simulator profile ``orders-only``: the shop
source, wms warehouses and shipments) through the whole pipeline.

The run publishes; indicator_availability lists every indicator whose raw tables the shop
did not deliver, with those tables, and fct_indicator_values holds none of them; the run
report names them ("needs web.events"); and the published figures equal a recomputation
from the landing files alone (plain Python, no warehouse): per month GMV, net sales, total
orders, the return rate and net sales by level 1 category.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from orchestration.contract import load_contract
from orchestration.contract.landing import write_landing_file
from orchestration.ingest import ingest
from orchestration.run import problems, run_days
from orchestration.settings import PROJECT_ROOT
from orchestration.simulator import simulate
from orchestration.simulator.profiles import ORDER_SYSTEM_TABLES, get_profile
from orchestration.summary import indicator_report
from orchestration.tests.warehouse import (
    latest,
    monthly_values,
    published,
    read_landed,
    use_shop,
)
from orchestration.transform import run_dbt

#: Two months (end of March, start of April) of a small shop, away from promotion peaks.
START, DAYS = dt.date(2025, 3, 24), 14


@pytest.fixture(scope="module")
def orders_only_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("orders_only")
    simulate(root / "landing", START, DAYS, scale=0.05, seed=5, profile=get_profile("orders-only"))
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_shop(monkeypatch, root, START)
        result = run_days(START, START + dt.timedelta(days=DAYS - 1))
    assert result.success, problems(result)
    return root


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


def from_landing(landing: Path) -> dict[str, dict]:
    """Per month of the order's shop-local day: GMV (real orders' items), total orders (real
    orders), net sales (valid orders' lines less their return and short-pick refunds; valid:
    paid, not cancelled, test or fraud), the return rate (units returned / accepted units of
    delivered orders) and net sales per level 1 category."""
    zone = ZoneInfo(load_contract().timezone)

    def month(at) -> dt.date:
        return at.astimezone(zone).date().replace(day=1)

    orders = {row["order_id"]: row for row in read_landed(landing, "shop", "orders")}
    paid = {
        r["order_id"] for r in read_landed(landing, "shop", "payments") if r["status"] == "success"
    }
    cancelled = {r["order_id"] for r in read_landed(landing, "shop", "cancellations")}
    category = {
        sku: row["category_l1"]
        for sku, row in latest(read_landed(landing, "shop", "products"), "sku_id").items()
    }
    refunded: dict[str, Decimal] = defaultdict(Decimal)
    for refund in read_landed(landing, "shop", "refunds"):
        if refund["order_line_id"] and refund["refund_type"] in ("return", "short_pick"):
            refunded[refund["order_line_id"]] += Decimal(str(refund["amount"]))
    returned: dict[str, int] = defaultdict(int)
    for item in latest(read_landed(landing, "shop", "returns"), "return_id").values():
        if item["return_type"] == "return":
            returned[item["order_line_id"]] += item["quantity"]
    delivered_orders = {
        parcel["order_id"]
        for parcel in latest(read_landed(landing, "wms", "shipments"), "shipment_id").values()
        if parcel["status"] == "delivered"
    }
    names = ("gmv", "total_orders", "net_sales", "returned", "delivered", "category")
    figures: dict[str, dict] = {name: defaultdict(Decimal) for name in names}
    valid = set()
    for order in orders.values():
        if order["is_test"]:
            continue
        figures["gmv"][month(order["placed_at"])] += Decimal(str(order["items_amount"]))
        figures["total_orders"][month(order["placed_at"])] += 1
        if (
            order["order_id"] in paid
            and order["order_id"] not in cancelled
            and not order["is_fraud"]
        ):
            valid.add(order["order_id"])
    for line in read_landed(landing, "shop", "order_lines"):
        placed = month(orders[line["order_id"]]["placed_at"])
        if line["line_status"] == "accepted" and line["order_id"] in delivered_orders:
            figures["delivered"][placed] += line["quantity"]
        figures["returned"][placed] += returned[line["order_line_id"]]
        if line["order_id"] in valid:
            net = Decimal(str(line["line_amount"])) - refunded[line["order_line_id"]]
            figures["net_sales"][placed] += net
            figures["category"][placed, category[line["sku_id"]]] += net
    figures["return_rate"] = {
        key: figures["returned"][key] / figures["delivered"][key] for key in figures["delivered"]
    }
    return figures


def test_published_figures_equal_a_recomputation_from_the_landing_files(
    orders_only_shop: Path,
) -> None:
    expected = from_landing(orders_only_shop / "landing")
    assert len(expected["gmv"]) == 2  # March and April
    categories = {key: value for key, value in expected["category"].items() if value}
    for code, dimension, figures in (
        ("gmv", "all", expected["gmv"]),
        ("net_sales", "all", expected["net_sales"]),
        ("total_orders", "all", expected["total_orders"]),
        ("return_rate", "all", expected["return_rate"]),
        ("sales_by_category", "category_l1", categories),
    ):
        values = monthly_values(orders_only_shop, code, dimension)
        assert values.keys() == figures.keys(), code
        for key, figure in figures.items():
            # indicator values are doubles: equal to the exact figure to 12 digits
            assert values[key] == pytest.approx(float(figure), rel=1e-12), (code, key)


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
