-- Per shop-local day, order count, GMV, net sales and refunds in fct_orders equal the same
-- totals computed straight from raw by a second route (validity re-derived from raw
-- payments and cancellations; amounts in the reporting currency, macro in_reporting_currency).
-- Returns the days that disagree.
{{ config(meta={'dagster': {'ref': {'name': 'fct_orders'}}}) }}
with raw_orders as (

    select distinct
        order_id,
        cast({{ to_shop_time('placed_at') }} as date) as placed_date,
        {{ in_reporting_currency('items_amount', 'order_rows.order_id') }} as items_amount,
        is_test,
        is_fraud
    -- the alias is the conversion's (a shop with one currency has none)
    from {{ source('shop', 'orders') }} as order_rows  -- noqa: AL05

),

raw_paid as (

    select distinct order_id from {{ source('shop', 'payments') }}
    where status = 'success'

),

raw_cancelled as (

    select distinct order_id from {{ source('shop', 'cancellations') }}

),

raw_refunds as (

    select
        order_id,
        sum(case when refund_type in ('return', 'short_pick') then amount else 0 end)
            as line_refunds,
        sum(case when refund_type = 'cancellation' then amount else 0 end)
            as cancellation_refunds
    from (
        select distinct
            refund_id,
            order_id,
            refund_type,
            {{ in_reporting_currency('amount', 'refund_rows.order_id') }} as amount
        from {{ source('shop', 'refunds') }} as refund_rows  -- noqa: AL05
    ) as refunds
    group by order_id

),

raw_daily as (

    select
        raw_orders.placed_date,
        sum(case when raw_orders.is_test then 0 else 1 end) as orders,
        sum(case when raw_orders.is_test then 0 else raw_orders.items_amount end) as gmv,
        sum(
            case
                when
                    raw_paid.order_id is not null
                    and raw_cancelled.order_id is null
                    and not raw_orders.is_test
                    and not raw_orders.is_fraud
                    then raw_orders.items_amount - coalesce(raw_refunds.line_refunds, 0)
                else 0
            end
        ) as net_sales,
        sum(coalesce(raw_refunds.line_refunds, 0) + coalesce(raw_refunds.cancellation_refunds, 0))
            as refunds
    from raw_orders
    left join raw_paid on raw_orders.order_id = raw_paid.order_id
    left join raw_cancelled on raw_orders.order_id = raw_cancelled.order_id
    left join raw_refunds on raw_orders.order_id = raw_refunds.order_id
    group by raw_orders.placed_date

),

mart_daily as (

    select
        placed_date,
        sum(order_count) as orders,
        sum(gmv) as gmv,
        sum(net_sales) as net_sales,
        sum(line_refund_amount + cancellation_refund_amount) as refunds
    from {{ ref('fct_orders') }}
    group by placed_date

)

select
    coalesce(raw_daily.placed_date, mart_daily.placed_date) as placed_date,
    raw_daily.orders as raw_orders,
    mart_daily.orders as mart_orders,
    raw_daily.gmv as raw_gmv,
    mart_daily.gmv as mart_gmv,
    raw_daily.net_sales as raw_net_sales,
    mart_daily.net_sales as mart_net_sales,
    raw_daily.refunds as raw_refunds,
    mart_daily.refunds as mart_refunds
from raw_daily
full outer join mart_daily on raw_daily.placed_date = mart_daily.placed_date
where
    raw_daily.placed_date is null
    or mart_daily.placed_date is null
    or raw_daily.orders != mart_daily.orders
    or raw_daily.gmv != mart_daily.gmv
    or raw_daily.net_sales != mart_daily.net_sales
    or raw_daily.refunds != mart_daily.refunds
