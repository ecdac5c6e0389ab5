-- An order's merchandise value equals the sum of its lines, in the marts and in raw; its
-- net sales, COGS and refunds equal the sums over its lines (raw amounts in the reporting
-- currency, macro in_reporting_currency).
{{ config(meta={'dagster': {'ref': {'name': 'fct_orders'}}}) }}
with lines as (

    select
        order_id,
        sum(line_amount) as line_amount,
        sum(net_sales) as net_sales,
        sum(cogs) as cogs,
        sum(refund_amount) as refund_amount
    from {{ ref('fct_order_lines') }}
    group by order_id

),

raw_lines as (

    select
        order_id,
        {{ in_reporting_currency('sum(line_amount)', 'order_lines.order_id') }} as line_amount
    from (
        select distinct
            order_line_id,
            order_id,
            line_amount
        from {{ source('shop', 'order_lines') }}
    ) as order_lines
    group by order_id

)

select
    orders.order_id,
    orders.items_amount,
    lines.line_amount,
    raw_lines.line_amount as raw_line_amount
from {{ ref('fct_orders') }} as orders
left join lines on orders.order_id = lines.order_id
left join raw_lines on orders.order_id = raw_lines.order_id
where
    lines.order_id is null
    or orders.items_amount != lines.line_amount
    or orders.items_amount != raw_lines.line_amount
    or orders.net_sales != lines.net_sales
    or orders.cogs != lines.cogs
    or orders.line_refund_amount != lines.refund_amount
