-- The additive measures the sales indicators break down into, per shop-local day and
-- attributed channel: visits and orders attributed to the channel by the same
-- last-touch rule, so that visits × orders per visit × value per order = the channel's
-- sales. Input of fct_indicator_decomposition.
with visits as (

    select
        visit_date as date_day,
        attributed_channel as channel,
        count(*) as visits
    from {{ ref('fct_visits') }}
    group by visit_date, attributed_channel

),

orders as (

    select
        placed_date as date_day,
        channel,
        sum(order_count) as total_orders,
        sum(valid_order_count) as valid_orders,
        sum(gmv) as gmv,
        sum(net_sales) as net_sales,
        sum(gross_profit) as gross_profit
    from {{ ref('fct_orders') }}
    group by placed_date, channel

),

channel_days as (

    select
        date_day,
        channel
    from visits
    union
    select
        date_day,
        channel
    from orders

),

final as (

    select
        channel_days.date_day,
        channel_days.channel,
        coalesce(visits.visits, 0) as visits,
        coalesce(orders.total_orders, 0) as total_orders,
        coalesce(orders.valid_orders, 0) as valid_orders,
        coalesce(orders.gmv, 0) as gmv,
        coalesce(orders.net_sales, 0) as net_sales,
        coalesce(orders.gross_profit, 0) as gross_profit
    from channel_days
    left join visits
        on channel_days.date_day = visits.date_day and channel_days.channel = visits.channel
    left join orders
        on channel_days.date_day = orders.date_day and channel_days.channel = orders.channel

)

select * from final
