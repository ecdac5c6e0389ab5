"""A short, printable account of a warehouse file: what was built and a few headline figures."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb

#: Headline figures: label → (relation it needs, SQL). Shown when the relation exists.
HEADLINES: dict[str, tuple[str, str]] = {
    "days of orders": (
        "marts.fct_orders",
        "select count(distinct placed_date) from marts.fct_orders",
    ),
    "GMV 总销售额 (CNY)": ("marts.fct_orders", "select sum(gmv) from marts.fct_orders"),
    "net sales 净销售额 (CNY)": ("marts.fct_orders", "select sum(net_sales) from marts.fct_orders"),
    "valid-order rate 订单有效率": (
        "marts.fct_orders",
        "select sum(valid_order_count) / sum(order_count) from marts.fct_orders",
    ),
    "gross margin 毛利率": (
        "marts.fct_orders",
        "select sum(gross_profit) / sum(net_sales) from marts.fct_orders",
    ),
    "COD share COD比率": (
        "marts.fct_orders",
        "select avg(case when is_cash_on_delivery then 1.0 else 0 end) "
        "from marts.fct_orders where not is_test",
    ),
    "return rate 退货比率": (
        "marts.fct_order_lines",
        "select sum(quantity_returned) / sum(quantity_delivered) from marts.fct_order_lines",
    ),
    "order to receipt 下单到收货 (hours)": (
        "marts.fct_shipments",
        "select avg(order_to_receipt_hours) from marts.fct_shipments",
    ),
    "visits 访问次数": ("marts.fct_visits", "select count(*) from marts.fct_visits"),
    "unique visitors 访客数 UV": (
        "marts.fct_visitor_daily",
        "select count(distinct visitor_id) from marts.fct_visitor_daily",
    ),
    "bounce rate 跳出率": (
        "marts.fct_traffic_daily",
        "select sum(bounced_visits) / sum(visits) from marts.fct_traffic_daily",
    ),
    "order conversion rate 下单转化率": (
        "marts.fct_traffic_daily",
        "select sum(visits_with_order) / sum(visits) from marts.fct_traffic_daily",
    ),
    "top campaign by ROI 投资回报率": (
        "marts.fct_campaign_performance_daily",
        """
        select campaign_code || ' (ROI ' || round(
            (sum(attributed_gross_profit) - sum(marketing_cost)) / sum(marketing_cost), 2
        ) || ')'
        from marts.fct_campaign_performance_daily
        group by campaign_code
        having sum(marketing_cost) > 0
        order by (sum(attributed_gross_profit) - sum(marketing_cost)) / sum(marketing_cost) desc
        limit 1
        """,
    ),
    "CAC 客户获取成本 (CNY)": (
        "marts.fct_customer_daily",
        "select sum(marketing_cost) / sum(new_customers) from marts.fct_customer_daily",
    ),
    "RFM segments (latest month)": (
        "marts.fct_customer_rfm",
        """
        with latest as (
            select rfm_segment, count(*) as customers
            from marts.fct_customer_rfm
            where snapshot_month_start_date
                = (select max(snapshot_month_start_date) from marts.fct_customer_rfm)
            group by rfm_segment
        ),
        shares as (
            select rfm_segment, customers, 100.0 * customers / sum(customers) over () as share
            from latest
        )
        select string_agg(
            rfm_segment || ' ' || round(share, 1) || '%', ', ' order by customers desc
        )
        from shares
        """,
    ),
    "market share 市场占有率 (latest month)": (
        "marts.fct_market_monthly",
        """
        select sum(gmv) / sum(market_gmv) from marts.fct_market_monthly
        where month_start_date = (select max(month_start_date) from marts.fct_market_monthly)
        """,
    ),
    "site availability 网站正常运营情况": (
        "marts.fct_site_probes",
        "select avg(success_count) from marts.fct_site_probes",
    ),
}


def _relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return con.execute(
        """
        select table_schema, table_name, table_type
        from information_schema.tables
        where table_catalog = current_database() and not table_name like '\\_%' escape '\\'
        order by table_schema, table_name
        """
    ).fetchall()


def _format(value: object) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float | Decimal):
        return f"{value:,.4f}" if abs(value) < 1 else f"{value:,.2f}"
    return str(value)


def warehouse_summary(database: Path) -> str:
    con = duckdb.connect(str(database), read_only=True)
    try:
        relations = _relations(con)
        lines = [f"warehouse {database}: {len(relations)} tables and views"]
        for schema, name, kind in relations:
            (count,) = con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0]
            label = "view " if kind == "VIEW" else "table"
            lines.append(f"  {label} {schema}.{name:<40} {count:>12,} rows")
        present = {f"{schema}.{name}" for schema, name, _ in relations}
        headlines = [
            (label, con.execute(sql).fetchall()[0][0])
            for label, (needs, sql) in HEADLINES.items()
            if needs in present
        ]
        if headlines:
            lines.append("headline figures:")
            lines += [f"  {label:<40} {_format(value):>16}" for label, value in headlines]
        return "\n".join(lines)
    finally:
        con.close()
