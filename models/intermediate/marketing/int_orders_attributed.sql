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

touches as (

    select * from {{ ref('int_web_touches_classified') }}

),

candidates as (

    select
        orders.order_id,
        touches.event_id as touch_event_id,
        touches.touched_at,
        touches.channel,
        touches.utm_source,
        touches.utm_medium,
        touches.utm_campaign,
        row_number() over (
            partition by orders.order_id
            order by touches.touched_at desc, touches.event_id desc
        ) as recency_rank
    from orders
    inner join touches
        on
            orders.visitor_id = touches.visitor_id
            and orders.placed_at >= touches.touched_at
            and orders.placed_at
            <= {{ dbt.dateadd('day', var('attribution_lookback_days'), 'touches.touched_at') }}

),

final as (

    select
        orders.order_id,
        candidates.touch_event_id,
        candidates.touched_at,
        coalesce(candidates.channel, 'direct') as channel,
        candidates.utm_source,
        candidates.utm_medium,
        candidates.utm_campaign as attributed_campaign_code
    from orders
    left join candidates
        on orders.order_id = candidates.order_id and candidates.recency_rank = 1

)

select * from final
