-- Marketing activity (营销活动指标), one row per shop-local day × campaign (promotion,
-- ad placement or partnership), plus the "none" campaign for visits and orders attributed
-- to no campaign, so that attributed + unattributed = all visits and all valid orders of a
-- day. Attribution: last non-direct touch within var('attribution_lookback_days').
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

),

visits as (

    select
        visit_date as date_day,
        attributed_campaign_key as campaign_key,
        count(*) as visits,
        sum(case when is_new_visitor then 1 else 0 end) as new_visitors,
        count(distinct visitor_id) as active_visitors
    from {{ ref('fct_visits') }}
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

totals as (

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

),

final as (

    select
        totals.date_day,
        totals.campaign_key,
        campaigns.campaign_id,
        campaigns.campaign_code,
        campaigns.campaign_type,
        campaigns.channel as campaign_channel,
        campaigns.partner_name,
        totals.impressions,
        totals.clicks,
        totals.media_cost,
        totals.partner_commission,
        totals.marketing_cost,
        totals.visits,
        totals.new_visitors,
        totals.active_visitors,
        totals.orders,
        totals.valid_orders,
        totals.attributed_net_sales,
        totals.attributed_gross_profit,
        {{ safe_divide('totals.clicks', 'totals.impressions') }} as ctr,
        {{ safe_divide('totals.valid_orders', 'totals.visits') }} as order_conversion_rate,
        {{ safe_divide('totals.marketing_cost', 'totals.visits') }} as cost_per_visit,
        {{ safe_divide('totals.attributed_net_sales', 'totals.valid_orders') }}
            as revenue_per_conversion,
        {{ safe_divide('totals.attributed_net_sales', 'totals.marketing_cost') }} as roas,
        {{ safe_divide(
            'totals.attributed_gross_profit - totals.marketing_cost', 'totals.marketing_cost'
        ) }} as roi,
        {{ safe_divide(
            'totals.attributed_gross_profit - totals.partner_commission',
            'totals.partner_commission'
        ) }} as partner_roi
    from totals
    inner join campaigns on totals.campaign_key = campaigns.campaign_key

)

select * from final
