-- The measures of fct_campaign_performance_daily, one row per shop-local day × campaign
-- key: marketing costs, and the visits and orders attributed to the campaign (or to the
-- "none" campaign). Incremental by day: a run rebuilds from the first day its loads touched,
-- of orders (a late payment touches its order's day) or of any raw row with an event time
-- (visits, costs), and every later day. The campaigns' attributes are joined by
-- fct_campaign_performance_daily, rebuilt whole (one row per day and campaign), so a
-- changed campaign shows its current attributes on every day.
{{ config(**incremental_by_day('date_day', ['orders', 'any'])) }}
with campaigns as (

    select * from {{ ref('dim_campaign') }}

),

costs as (

    select
        daily_costs.date_day,
        campaigns.campaign_key,
        daily_costs.impressions,
        daily_costs.clicks,
        daily_costs.media_cost,
        daily_costs.partner_commission,
        daily_costs.marketing_cost
    from {{ ref('int_marketing_costs_daily') }} as daily_costs
    inner join campaigns on daily_costs.campaign_id = campaigns.campaign_id
    where {{ rebuilt_days_only('daily_costs.date_day', ['orders', 'any']) }}

),

visits as (

    select
        visit_date as date_day,
        attributed_campaign_key as campaign_key,
        count(*) as visits,
        sum(case when is_new_visitor then 1 else 0 end) as new_visitors,
        count(distinct visitor_id) as active_visitors
    from {{ ref('fct_visits') }}
    where {{ rebuilt_days_only('visit_date', ['orders', 'any']) }}
    group by visit_date, attributed_campaign_key

),

orders as (

    select
        placed_date as date_day,
        attributed_campaign_key as campaign_key,
        sum(order_count) as orders,
        sum(valid_order_count) as valid_orders,
        sum(net_sales) as attributed_net_sales,
        sum(gross_profit) as attributed_gross_profit
    from {{ ref('fct_orders') }}
    where {{ rebuilt_days_only('placed_date', ['orders', 'any']) }}
    group by placed_date, attributed_campaign_key

),

campaign_days as (

    select
        date_day,
        campaign_key
    from costs
    union
    select
        date_day,
        campaign_key
    from visits
    union
    select
        date_day,
        campaign_key
    from orders

),

final as (

    select
        campaign_days.date_day,
        campaign_days.campaign_key,
        coalesce(costs.impressions, 0) as impressions,
        coalesce(costs.clicks, 0) as clicks,
        coalesce(costs.media_cost, 0) as media_cost,
        coalesce(costs.partner_commission, 0) as partner_commission,
        coalesce(costs.marketing_cost, 0) as marketing_cost,
        coalesce(visits.visits, 0) as visits,
        coalesce(visits.new_visitors, 0) as new_visitors,
        coalesce(visits.active_visitors, 0) as active_visitors,
        coalesce(orders.orders, 0) as orders,
        coalesce(orders.valid_orders, 0) as valid_orders,
        coalesce(orders.attributed_net_sales, 0) as attributed_net_sales,
        coalesce(orders.attributed_gross_profit, 0) as attributed_gross_profit
    from campaign_days
    left join costs
        on
            campaign_days.date_day = costs.date_day
            and campaign_days.campaign_key = costs.campaign_key
    left join visits
        on
            campaign_days.date_day = visits.date_day
            and campaign_days.campaign_key = visits.campaign_key
    left join orders
        on
            campaign_days.date_day = orders.date_day
            and campaign_days.campaign_key = orders.campaign_key

)

select * from final
