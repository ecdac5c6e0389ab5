-- Marketing attribution of orders: the last non-direct touch of the ordering visitor within
-- the look-back window (var attribution_lookback_days, default 7 days) before the order.
-- Orders with no such touch are attributed to the direct channel and no campaign.
with orders as (

    select
        order_id,
        visitor_id,
        placed_at
    from {{ ref('stg_shop__orders') }}

),

final as (

    {{ last_touch_attribution('orders', 'order_id', 'placed_at') }}

)

select * from final
