-- Daily sales by shop-local order day × category × brand × channel × shipping warehouse
-- (品牌类目销售额): the additive measures of order lines. The warehouse is the one that
-- shipped each line's parcel (an order shipped from several warehouses splits across
-- them; before it ships, the order's). Order counts are distinct orders within each row: an
-- order spanning two categories counts in both, so total orders come from fct_orders.
-- Incremental by order day, as fct_order_lines.
{{ config(**incremental_by_day('placed_date', 'orders')) }}
with lines as (

    select * from {{ ref('fct_order_lines') }}
    where {{ rebuilt_days_only('placed_date', 'orders') }}

),

orders as (

    select
        order_id,
        channel_key,
        channel
    from {{ ref('fct_orders') }}
    where {{ rebuilt_days_only('placed_date', 'orders') }}

),

products as (

    select * from {{ ref('dim_product') }}

),

final as (

    select
        lines.placed_date,
        products.category_l1,
        products.category_l2,
        products.brand,
        orders.channel_key,
        orders.channel,
        lines.warehouse_key,
        lines.warehouse_id,
        count(distinct case when not lines.is_test then lines.order_id end) as orders,
        count(distinct case when lines.is_valid then lines.order_id end) as valid_orders,
        sum(lines.quantity_accepted) as items_ordered,
        sum(lines.quantity_sold) as items_sold,
        sum(lines.quantity_delivered) as items_delivered,
        sum(lines.quantity_returned) as items_returned,
        sum(lines.quantity_exchanged) as items_exchanged,
        sum(lines.gmv) as gmv,
        sum(lines.discount_amount) as discount_amount,
        sum(lines.refund_amount) as refund_amount,
        sum(lines.net_sales) as net_sales,
        sum(lines.cogs) as cogs,
        sum(lines.gross_profit) as gross_profit
    from lines
    inner join orders on lines.order_id = orders.order_id
    inner join products on lines.product_key = products.product_key
    group by
        lines.placed_date,
        products.category_l1,
        products.category_l2,
        products.brand,
        orders.channel_key,
        orders.channel,
        lines.warehouse_key,
        lines.warehouse_id

)

select * from final
