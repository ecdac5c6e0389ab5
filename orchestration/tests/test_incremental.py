"""Incremental builds equal a full rebuild.

A shop is built day by day, each run loading one export day (late deliveries, returns and
refunds included) and rebuilding with that day as its window, as the daily schedule does.
Its staging, intermediate and mart tables must equal, by content hash, those of the same
shop loaded and built at once. A run must also rebuild exactly the days its loads touched
and the days after them: rows of earlier days are left as they were.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest import ingest
from orchestration.simulator.engine import simulate
from orchestration.tests.hashes import differences
from orchestration.tests.warehouse import query, read_landed
from orchestration.transform import run_dbt

START = dt.date(2025, 5, 10)
#: Up to 2025-06-28: late records of the last day reach back into June only, so the
#: indicator periods of May are kept by its run.
DAYS = 50
#: The first run loads and builds this many days; every later run adds one export day.
FIRST_RUN_DAYS = 48
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


def build(
    warehouse: Path,
    first: dt.date | None = None,
    last: dt.date | None = None,
    seeds: bool = False,
) -> bool:
    """dbt run into the warehouse (with ``seeds``, the seeds loaded first, in the same
    invocation), for a window of export days (passed in the environment, as the
    orchestration passes it) or (no window) all of them."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHOP_WAREHOUSE_PATH", str(warehouse))
        if first:
            patch.setenv("SHOP_WINDOW_START", str(first))
            patch.setenv("SHOP_WINDOW_END", str(last))
        if seeds:
            return run_dbt(
                ["build", "--quiet", "--resource-type", "seed", "--resource-type", "model"]
            )
        return run_dbt(["run", "--quiet"])


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


def shift(warehouse: Path, table: str, column: str, where: str, offset: float) -> str:
    """Add ``offset`` to ``column`` of one row of a mart: the row matching ``where`` with
    the smallest first column (a key). Returns the condition that selects just that row."""
    con = duckdb.connect(str(warehouse))
    try:
        [(key_column,)] = con.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = ? and ordinal_position = 1",
            [table],
        ).fetchall()
        [(key,)] = con.execute(
            f"select min({key_column}) from marts.{table} where {where}"
        ).fetchall()
        row = f"{where} and {key_column} = '{key}'"
        con.execute(f"update marts.{table} set {column} = {column} + ? where {row}", [offset])
    finally:
        con.close()
    return row


def value(warehouse: Path, table: str, column: str, row: str) -> float:
    [(found,)] = query(warehouse, f"select {column} from marts.{table} where {row}")
    return found


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("incremental")
    landing = root / "landing"
    simulate(landing, start=START, days=DAYS, scale=0.1, seed=11)

    incremental = root / "incremental.duckdb"
    assert ingest(incremental, landing, end=day(FIRST_RUN_DAYS - 1)).ok
    assert build(incremental, day(0), day(FIRST_RUN_DAYS - 1), seeds=True)
    for offset in range(FIRST_RUN_DAYS, DAYS - 1):
        assert ingest(incremental, landing, start=day(offset), end=day(offset)).ok
        assert build(incremental, day(offset), day(offset))

    # the last run, watched on a copy: rows of the first order day and indicator month it
    # must rebuild, and of the day and month before, are altered first; its rebuild must
    # restore the first ones and keep the others (gmv's months: in fct_indicator_values'
    # part computed from fct_orders)
    last = day(DAYS - 1)
    first_day = first_touched_order_day(landing, last)
    first_month = first_day.replace(day=1)
    month_before = (first_month - dt.timedelta(days=1)).replace(day=1)
    gmv = "indicator_code = 'gmv' and grain = 'month' and slice_dimension = 'all' and "
    watched = {
        "line_kept": ("fct_order_lines", "quantity_sold",
                      f"placed_date = '{first_day - dt.timedelta(days=1)}'"),
        "line_rebuilt": ("fct_order_lines", "quantity_sold", f"placed_date = '{first_day}'"),
        "month_kept": ("fct_indicator_values__orders", "indicator_value",
                       f"{gmv} period_start = '{month_before}'"),
        "month_rebuilt": ("fct_indicator_values__orders", "indicator_value",
                          f"{gmv} period_start = '{first_month}'"),
    }  # fmt: skip
    copy = root / "watched.duckdb"
    shutil.copyfile(incremental, copy)
    rows = {name: shift(copy, *watched[name], 1000) for name in watched}
    before = {name: value(copy, *watched[name][:2], rows[name]) for name in watched}
    for warehouse in (copy, incremental):
        assert ingest(warehouse, landing, start=last, end=last).ok
        assert build(warehouse, last, last)
    after = {name: value(copy, *watched[name][:2], rows[name]) for name in watched}

    full = root / "full.duckdb"
    assert ingest(full, landing).ok
    assert build(full, seeds=True)
    return {
        "landing": landing,
        "incremental": incremental,
        "full": full,
        "first_day": first_day,
        "before": before,
        "after": after,
        "rebuilt": {name: (*watched[name][:2], rows[name]) for name in watched},
    }


def test_day_by_day_build_equals_full_rebuild(shop: dict) -> None:
    assert differences(shop["incremental"], shop["full"], SCHEMAS) == {}


def test_the_comparison_sees_a_changed_row(shop: dict, tmp_path: Path) -> None:
    changed = tmp_path / "changed.duckdb"
    shutil.copyfile(shop["incremental"], changed)
    shift(changed, "fct_visits", "page_views", "true", 1)
    assert differences(changed, shop["full"], SCHEMAS) == {
        "marts.fct_visits": "same row count, different contents"
    }


def test_a_run_rebuilds_the_touched_days_and_the_later_ones_only(shop: dict) -> None:
    # late records in the last export reach back into earlier order days, all in June
    assert dt.date(2025, 6, 2) <= shop["first_day"] < day(DAYS - 1)
    before, after = shop["before"], shop["after"]
    assert after["line_kept"] == before["line_kept"], (
        "a day before the first touched day was rebuilt"
    )
    assert after["month_kept"] == before["month_kept"], (
        "a month before the first touched one was recomputed"
    )
    for name in ("line_rebuilt", "month_rebuilt"):
        assert after[name] == value(shop["full"], *shop["rebuilt"][name]), f"{name}: not rebuilt"


@pytest.mark.long
def test_days_run_again_and_out_of_order_still_equal_the_full_rebuild(
    shop: dict, tmp_path: Path
) -> None:
    """The last two daily runs once more, newest first, then a backfill of a day of the
    first run (files unchanged): every table still equals the full rebuild."""
    replayed = tmp_path / "replayed.duckdb"
    shutil.copyfile(shop["incremental"], replayed)
    again = [(day(DAYS - 1), day(DAYS - 1)), (day(DAYS - 2), day(DAYS - 2))]
    for first, last in [*again, (day(FIRST_RUN_DAYS - 3), day(FIRST_RUN_DAYS - 3))]:
        assert ingest(replayed, shop["landing"], start=first, end=last).ok
        assert build(replayed, first, last)
    assert differences(replayed, shop["full"], SCHEMAS) == {}
