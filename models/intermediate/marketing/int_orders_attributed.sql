-- Marketing attribution of orders: the last non-direct touch of the ordering visitor within
-- the look-back window (var attribution_lookback_days, default 7 days) before the order.
-- Orders with no such touch are attributed to the direct channel and no campaign.
-- A narrow table read by fct_orders and dim_customer. Incremental by order day: a run
-- rebuilds from the first day touched by its loads of orders or of web events (a new touch
-- changes the attribution of the orders after it), and every later day.
{{ config(**incremental_by_day('placed_date', ['orders', 'web'])) }}
with orders as (

    select
        order_id,
        visitor_id,
        placed_at,
        placed_date
    from {{ ref('stg_shop__orders') }}
    where {{ rebuilt_days_only('placed_date', ['orders', 'web']) }}

),

final as (

    {{ last_touch_attribution('orders', 'order_id', 'placed_at', ['placed_date']) }}

)

select * from final
