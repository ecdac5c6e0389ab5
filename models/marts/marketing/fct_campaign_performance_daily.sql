-- Marketing activity (营销活动指标), one row per shop-local day × campaign (promotion,
-- ad placement or partnership), plus the "none" campaign for visits and orders attributed
-- to no campaign, so that attributed + unattributed = all visits and all valid orders of a
-- day. Attribution: last non-direct touch within var('attribution_lookback_days').
with costs as (

    select
        costs.date_day,
        campaigns.campaign_key,
        costs.impressions,
        costs.clicks,
        costs.media_cost,
        costs.partner_commission,
        costs.marketing_cost,
        0 as visits,
        0 as new_visitors,
        0 as active_visitors,
        0 as orders,
        0 as valid_orders,
        0 as attributed_net_sales,
        0 as attributed_gross_profit
    from {{ ref('int_marketing_costs_daily') }} as costs
    inner join {{ ref('dim_campaign') }} as campaigns on costs.campaign_id = campaigns.campaign_id

),

visits as (

    select
        visit_date as date_day,
        attributed_campaign_key as campaign_key,
        0 as impressions,
        0 as clicks,
        0 as media_cost,
        0 as partner_commission,
        0 as marketing_cost,
        count(*) as visits,
        sum(case when is_new_visitor then 1 else 0 end) as new_visitors,
        count(distinct visitor_id) as active_visitors,
        0 as orders,
        0 as valid_orders,
        0 as attributed_net_sales,
        0 as attributed_gross_profit
    from {{ ref('fct_visits') }}
    group by visit_date, attributed_campaign_key

),

orders as (

    select
        placed_date as date_day,
        attributed_campaign_key as campaign_key,
        0 as impressions,
        0 as clicks,
        0 as media_cost,
        0 as partner_commission,
        0 as marketing_cost,
        0 as visits,
        0 as new_visitors,
        0 as active_visitors,
        sum(order_count) as orders,
        sum(valid_order_count) as valid_orders,
        sum(net_sales) as attributed_net_sales,
        sum(gross_profit) as attributed_gross_profit
    from {{ ref('fct_orders') }}
    group by placed_date, attributed_campaign_key

),

combined as (

    select * from costs
    union all
    select * from visits
    union all
    select * from orders

),

totals as (

    select
        date_day,
        campaign_key,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(media_cost) as media_cost,
        sum(partner_commission) as partner_commission,
        sum(marketing_cost) as marketing_cost,
        sum(visits) as visits,
        sum(new_visitors) as new_visitors,
        sum(active_visitors) as active_visitors,
        sum(orders) as orders,
        sum(valid_orders) as valid_orders,
        sum(attributed_net_sales) as attributed_net_sales,
        sum(attributed_gross_profit) as attributed_gross_profit
    from combined
    group by date_day, campaign_key

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
        {{ safe_divide('totals.attributed_gross_profit - totals.marketing_cost', 'totals.marketing_cost') }}
            as roi,
        {{ safe_divide('totals.attributed_gross_profit - totals.partner_commission', 'totals.partner_commission') }}
            as partner_roi
    from totals
    inner join
        {{ ref('dim_campaign') }} as campaigns
        on totals.campaign_key = campaigns.campaign_key

)

select * from final
