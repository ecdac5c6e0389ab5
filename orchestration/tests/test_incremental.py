"""Incremental builds equal a full rebuild.

A shop is built day by day, each run loading one export day (late deliveries, returns and
refunds included) and rebuilding with that day as its window, as the daily schedule does.
Its staging, intermediate and mart tables must equal, by content hash, those of the same
shop loaded and built at once. A run must also rebuild exactly the days its loads touched
and the days after them: rows of earlier days are left as they were.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest import ingest
from orchestration.simulator import simulate
from orchestration.tests.hashes import table_hashes
from orchestration.tests.warehouse import query, read_landed
from orchestration.transform import run_dbt

START = dt.date(2025, 6, 10)
DAYS = 14
#: The first run loads and builds this many days; every later run adds one export day.
FIRST_RUN_DAYS = 10
SCHEMAS = ("staging", "intermediate", "marts")
#: Every table that holds a row of an order and refers to it (order_id).
ORDER_REFERENCES = (
    ("shop", "orders"),
    ("shop", "order_lines"),
    ("shop", "payments"),
    ("shop", "cancellations"),
    ("shop", "refunds"),
    ("shop", "returns"),
    ("wms", "shipments"),
    ("wms", "picking_exceptions"),
)
SHOP_UTC_OFFSET = dt.timedelta(hours=8)  # Asia/Shanghai, no daylight saving


def day(offset: int) -> dt.date:
    return START + dt.timedelta(days=offset)


def build(warehouse: Path, first: dt.date | None = None, last: dt.date | None = None) -> bool:
    """dbt run into the warehouse, for a window of export days or (no window) all of them."""
    window = {"window_start": str(first), "window_end": str(last)} if first else None
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHOP_WAREHOUSE_PATH", str(warehouse))
        return run_dbt(["run", "--quiet", *(["--vars", json.dumps(window)] if window else [])])


def seed(warehouse: Path) -> bool:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHOP_WAREHOUSE_PATH", str(warehouse))
        return run_dbt(["seed", "--quiet"])


def first_touched_order_day(landing: Path, export_day: dt.date) -> dt.date:
    """Second route to the orders' first rebuilt day: the earliest shop-local order day of
    the orders that the export day's files refer to, read from the landing files."""
    placed = {
        row["order_id"]: (row["placed_at"] + SHOP_UTC_OFFSET).date()
        for row in read_landed(landing, "shop", "orders")
    }
    referred = {
        row["order_id"]
        for source, table in ORDER_REFERENCES
        for row in read_landed(landing, source, table, export_day)
    }
    return min(placed[order_id] for order_id in referred)


def mark(warehouse: Path, placed_date: dt.date, offset: int) -> str:
    """Add ``offset`` to the quantity sold of one order line of the day; its id."""
    con = duckdb.connect(str(warehouse))
    try:
        [(line_id,)] = con.execute(
            "select min(order_line_id) from marts.fct_order_lines where placed_date = ?",
            [placed_date],
        ).fetchall()
        con.execute(
            "update marts.fct_order_lines set quantity_sold = quantity_sold + ? "
            "where order_line_id = ?",
            [offset, line_id],
        )
    finally:
        con.close()
    return line_id


def quantity_sold(warehouse: Path, line_id: str) -> int:
    [(quantity,)] = query(
        warehouse,
        "select quantity_sold from marts.fct_order_lines where order_line_id = ?",
        [line_id],
    )
    return quantity


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("incremental")
    landing = root / "landing"
    simulate(landing, start=START, days=DAYS, scale=0.1, seed=11)

    incremental = root / "incremental.duckdb"
    assert ingest(incremental, landing, end=day(FIRST_RUN_DAYS - 1)).ok
    assert seed(incremental)
    assert build(incremental, day(0), day(FIRST_RUN_DAYS - 1))

    # the first daily run, watched: one order line of the first day it must rebuild and one
    # of the day before are altered first; the rebuild must restore the one, keep the other
    watched_day = day(FIRST_RUN_DAYS)
    first_rebuilt = first_touched_order_day(landing, watched_day)
    kept_line = mark(incremental, first_rebuilt - dt.timedelta(days=1), 1000)
    rebuilt_line = mark(incremental, first_rebuilt, 1000)
    kept_before = quantity_sold(incremental, kept_line)
    for offset in range(FIRST_RUN_DAYS, DAYS):
        assert ingest(incremental, landing, start=day(offset), end=day(offset)).ok
        assert build(incremental, day(offset), day(offset))
        if offset == FIRST_RUN_DAYS:
            watched = {
                "first_rebuilt": first_rebuilt,
                "kept": (kept_before, quantity_sold(incremental, kept_line)),
                "rebuilt": quantity_sold(incremental, rebuilt_line),
            }
            mark(incremental, first_rebuilt - dt.timedelta(days=1), -1000)

    full = root / "full.duckdb"
    assert ingest(full, landing).ok
    assert seed(full)
    assert build(full)
    return {"incremental": incremental, "full": full, "watched": watched, "rebuilt": rebuilt_line}


def test_day_by_day_build_equals_full_rebuild(shop: dict) -> None:
    incremental = table_hashes(shop["incremental"], SCHEMAS)
    full = table_hashes(shop["full"], SCHEMAS)
    assert len(full) > 70
    assert {"marts.fct_visits", "marts.fct_order_lines", "marts.fct_orders"} <= set(full)
    differing = {name: (incremental.get(name), value) for name, value in full.items()
                 if incremental.get(name) != value}  # fmt: skip
    assert differing == {}
    assert set(incremental) == set(full)


def test_a_run_rebuilds_the_touched_days_and_the_later_ones_only(shop: dict) -> None:
    watched = shop["watched"]
    # late records in the last export reach back into earlier order days
    assert day(0) < watched["first_rebuilt"] < day(FIRST_RUN_DAYS)
    kept_before, kept_after = watched["kept"]
    assert kept_after == kept_before, "a day before the first touched day was rebuilt"
    assert watched["rebuilt"] == quantity_sold(shop["full"], shop["rebuilt"]), (
        "the first touched day was not rebuilt"
    )
