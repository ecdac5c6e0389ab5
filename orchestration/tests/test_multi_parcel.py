"""The multi-parcel shop (simulator profile ``multi-parcel``) through the whole pipeline: its
orders ship lines separately, days apart, from several warehouses (wms.shipment_lines says
which lines each parcel carries), it records coupon and promotion codes per line, and its
stock is counted weekly.

The run publishes, and the published figures equal a recomputation from the landing files
alone (plain Python over the CSVs, no warehouse): per month GMV, net sales, valid orders,
the return rate and net sales by category; GMV and net sales by the warehouse that shipped
each line (the catalog's warehouse_id slice); net sales by each line's promotion and coupon;
and stock on days between two counts is the last count's, never zero.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from orchestration.tests.warehouse import (
    assert_equal_figures,
    landing_figures,
    monthly_values,
    profile_shop,
    published,
    read_landed,
)

#: Two months (June and July 1-4) of a small shop, before the first monthly market report
#: (the 5th) so that the market indicators are empty, not half a history.
START, DAYS = dt.date(2025, 6, 10), 25


@pytest.fixture(scope="module")
def multi_parcel_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The multi-parcel shop run through the whole pipeline and published once."""
    return profile_shop(tmp_path_factory.mktemp("multi_parcel"), "multi-parcel", START, DAYS, 0.06)


def test_the_multi_parcel_shop_ships_orders_in_several_parcels_from_several_warehouses(
    multi_parcel_shop: Path,
) -> None:
    ((orders, split, warehouses_apart, late_returns),) = published(
        multi_parcel_shop,
        """
        with parcels as (
            select order_id, count(*) as parcels, count(distinct warehouse_id) as warehouses
            from marts.fct_shipments group by order_id
        )
        select
            count(*),
            count(*) filter (where parcels > 1),
            count(*) filter (where warehouses > 1),
            (select count(*) from marts.fct_returns as r
                inner join marts.fct_orders as o on r.order_id = o.order_id
                where r.requested_at < o.delivered_at)
        from parcels
        """,
    )
    assert split > 0 and warehouses_apart == split
    # returns of a first parcel's line requested before the last parcel arrived: counted
    # from their own parcel, they pass the gate (days_from_delivery_to_request >= 0)
    assert late_returns > 0
    assert orders > split


def test_published_figures_equal_a_recomputation_from_the_landing_files(
    multi_parcel_shop: Path,
) -> None:
    expected = landing_figures(multi_parcel_shop / "landing")
    assert len(expected["gmv"]) == 2  # June and July
    for code in ("gmv", "net_sales", "total_orders", "valid_orders", "return_rate"):
        assert_equal_figures(monthly_values(multi_parcel_shop, code), expected[code])
    assert_equal_figures(
        monthly_values(multi_parcel_shop, "sales_by_category", "category_l1"), expected["category"]
    )


def test_gmv_by_warehouse_follows_the_lines_each_parcel_carries(multi_parcel_shop: Path) -> None:
    """The catalog's gmv and net_sales by warehouse_id, and the sales mart's GMV by
    warehouse, split each order by the warehouses of its lines' parcels."""
    expected = landing_figures(multi_parcel_shop / "landing")
    for code, figures in (("gmv", "warehouse"), ("net_sales", "warehouse_net_sales")):
        values = monthly_values(multi_parcel_shop, code, "warehouse_id")
        assert_equal_figures(values, expected[figures])
    rows = published(
        multi_parcel_shop,
        "select cast(date_trunc('month', placed_date) as date), warehouse_id, sum(gmv) "
        "from marts.fct_sales_daily group by all",
    )
    by_warehouse = {(start, warehouse): gmv for start, warehouse, gmv in rows}
    assert_equal_figures(by_warehouse, expected["warehouse"])
    # by the order's warehouse the figures differ: the test could tell them apart
    by_order = published(
        multi_parcel_shop,
        "select cast(date_trunc('month', placed_date) as date), warehouse_id, sum(gmv) "
        "from marts.fct_orders group by all",
    )
    assert {(start, warehouse): gmv for start, warehouse, gmv in by_order} != by_warehouse


def test_line_level_codes_reach_the_campaign_attribution(multi_parcel_shop: Path) -> None:
    """The shop records coupons and promotions per line, none per order: each line's net
    sales go to its own promotion and coupon (fct_order_lines), as recomputed from the
    landing files."""
    expected = landing_figures(multi_parcel_shop / "landing")
    assert expected["promotion"] and expected["coupon"]
    for name, column in (("promotion", "promotion_campaign_code"), ("coupon", "coupon_code")):
        rows = published(
            multi_parcel_shop,
            f"select cast(date_trunc('month', placed_date) as date), {column}, sum(net_sales) "
            f"from marts.fct_order_lines where {column} is not null group by all",
        )
        assert_equal_figures({(start, code): net for start, code, net in rows}, expected[name])
    orders = read_landed(multi_parcel_shop / "landing", "shop", "orders")
    assert not any(order["coupon_code"] or order["campaign_code"] for order in orders)


def test_stock_between_weekly_counts_is_the_last_counts(multi_parcel_shop: Path) -> None:
    landing = multi_parcel_shop / "landing"
    counts = {
        (row["snapshot_date"], row["warehouse_id"], row["sku_id"]): row["system_quantity"]
        for row in read_landed(landing, "wms", "inventory_snapshots")
    }
    count_days = sorted({day for day, _, _ in counts})
    assert [day.isoweekday() for day in count_days] == [7] * len(count_days)
    rows = published(
        multi_parcel_shop,
        "select snapshot_date, warehouse_id, sku_id, system_quantity, counted_date "
        "from marts.fct_inventory_daily",
    )
    last_day = START + dt.timedelta(days=DAYS - 1)
    days = {row[0] for row in rows}
    assert days == {
        count_days[0] + dt.timedelta(days=n) for n in range((last_day - count_days[0]).days + 1)
    }
    for day, warehouse, sku, quantity, counted in rows:
        standing = max(d for d in count_days if d <= day)
        assert counted == standing
        assert quantity == counts[standing, warehouse, sku]
    assert len(rows) == len(days) * len(counts) // len(count_days)
