-- Marketing activity (营销活动指标), one row per shop-local day × campaign (promotion,
-- ad placement or partnership), plus the "none" campaign for visits and orders attributed
-- to no campaign, so that attributed + unattributed = all visits and all valid orders of a
-- day. Attribution: last non-direct touch within var('attribution_lookback_days'). The
-- measures per day and campaign come from fct_campaign_measures_daily (incremental); this
-- small table joins the campaigns' current attributes and computes the ratios.
with campaigns as (

    select * from {{ ref('dim_campaign') }}

),

totals as (

    select * from {{ ref('fct_campaign_measures_daily') }}

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
