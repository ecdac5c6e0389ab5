"""Great Expectations suite of the marts (gate 3), measured in DuckDB like the raw suites.

Physical bounds every indicator must respect, and a reconciliation with raw by a route
independent of dbt: a failure here stops publish.
"""

from orchestration.contract import RAW_SCHEMA, load_shop
from orchestration.quality.raw_suites import Rule


def _days_where(relation: str, day: str, condition: str) -> str:
    """Count of days of a relation where an aggregate condition holds (a breach)."""
    return f"""(
        select count(*) from (
            select {day} from {relation} group by {day} having {condition}
        )
    )"""


def _raw_items_amount() -> str:
    """Raw orders' merchandise value in the reporting currency: as delivered for a shop
    whose orders are all in it, else at the rate of the order's shop-local day (the
    exchange_rates seed, as staging converts it)."""
    shop = load_shop()
    if not shop.converts_currencies:
        return "items_amount"
    day = f"cast(timezone('{shop.timezone}', timezone('UTC', placed_at)) as date)"
    return f"""items_amount * case when currency = '{shop.reporting_currency}' then 1 else (
        select rates.rate_to_reporting from reference.exchange_rates as rates
        where rates.currency = orders.currency and rates.rate_date = {day}
    ) end"""


MART_RULES = [
    Rule(
        "negative_durations",
        "no parcel has a negative order-to-receipt, processing or delivery time",
        """(select count(*) from marts.fct_shipments
            where order_to_receipt_hours < 0 or warehouse_processing_hours < 0
            or delivery_hours < 0)""",
    ),
    Rule(
        "valid_order_rate_out_of_bounds",
        "the daily valid-order rate (订单有效率) is within [0, 1]",
        _days_where(
            "marts.fct_orders",
            "placed_date",
            "sum(valid_order_count) > sum(order_count) or sum(valid_order_count) < 0",
        ),
    ),
    Rule(
        "gross_margin_above_one",
        "daily gross profit never exceeds net sales (毛利率 ≤ 1)",
        _days_where("marts.fct_orders", "placed_date", "sum(gross_profit) > sum(net_sales)"),
    ),
    Rule(
        "return_rate_out_of_bounds",
        "daily items returned never exceed items delivered (退货比率 ≤ 1)",
        _days_where(
            "marts.fct_order_lines",
            "placed_date",
            "sum(quantity_returned) > sum(quantity_delivered)",
        ),
    ),
    Rule(
        "stock_out_rate_out_of_bounds",
        "stock-out lines never exceed the lines they are a share of (报缺率 ≤ 1)",
        """(select count(*) from marts.fct_warehouse_daily
            where lines_refused_no_stock > lines_attempted
            or lines_short_picked > lines_accepted)""",
    ),
    Rule(
        "funnel_out_of_bounds",
        "per day, channel and device, no funnel step, bounce or new-visitor count exceeds"
        " its base (跳出率, 转化率, 新访客比率 within [0, 1])",
        """(select count(*) from marts.fct_traffic_daily
            where bounced_visits > visits or visits_with_add_to_cart > visits
            or visits_with_checkout_start > visits or visits_with_order > visits
            or visits_with_payment > visits or new_visitors > unique_visitors
            or unique_visitors > visits)""",
    ),
    Rule(
        "negative_visit_times",
        "no visit has a negative duration or time on page (站点平均在线时长, 页面平均停留时长)",
        """(select count(*) from marts.fct_visits
            where duration_seconds < 0 or time_on_page_seconds < 0)""",
    ),
    Rule(
        "shares_out_of_bounds",
        "market share, site availability and RFM scores stay within their bounds"
        " (市场占有率 ≤ 1, 网站正常运营情况 ≤ 1, RFM 1-5)",
        """(
            (select count(*) from marts.fct_market_monthly where gmv > market_gmv)
            + (select count(*) from marts.fct_operating_environment_daily
               where successful_probes > probes)
            + (select count(*) from marts.fct_customer_rfm
               where least(r_score, f_score, m_score) < 1
               or greatest(r_score, f_score, m_score) > 5)
        )""",
    ),
    Rule(
        "page_views_differ_from_raw",
        "page views in fct_traffic_daily equal the raw page-view events (浏览量 PV)",
        f"""(select abs(
            (select coalesce(sum(page_views), 0) from marts.fct_traffic_daily)
            - (select count(distinct event_id) from {RAW_SCHEMA}.events
               where event_type = 'page_view')
        ))""",
    ),
    Rule(
        "orders_differ_from_raw",
        "every raw order is in fct_orders once, and nothing else is",
        f"""(select count(*) from (
            select order_id from (select distinct order_id from {RAW_SCHEMA}.orders)
            full outer join (select order_id from marts.fct_orders) using (order_id)
            group by order_id having count(*) != 1
        ))""",
    ),
    Rule(
        "gmv_differs_from_raw",
        "GMV in fct_orders equals the merchandise value of raw non-test orders",
        f"""(select abs(
            (select coalesce(sum(gmv), 0) from marts.fct_orders)
            - (select coalesce(sum(items_amount), 0) from (
                select distinct order_id, {_raw_items_amount()} as items_amount, is_test
                from {RAW_SCHEMA}.orders as orders
            ) where not is_test)
        ))""",
    ),
]
