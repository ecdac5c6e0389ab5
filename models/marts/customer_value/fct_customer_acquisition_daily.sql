-- Customer acquisition (访客/客户获取成本), one row per shop-local day × channel: new
-- customers by the channel their first valid order is attributed to (acquisition channel),
-- and the marketing cost of the campaigns run in that channel. CAC = marketing_cost /
-- new_customers, re-aggregated as sum / sum at coarser grains.
with new_customers as (

    select
        placed_date as date_day,
        channel,
        0 as marketing_cost,
        count(*) as new_customers,
        sum(net_sales) as new_customer_net_sales
    from {{ ref('fct_orders') }}
    where is_first_valid_order
    group by placed_date, channel

),

costs as (

    select
        daily_costs.date_day,
        campaigns.channel,
        sum(daily_costs.marketing_cost) as marketing_cost,
        0 as new_customers,
        0 as new_customer_net_sales
    from {{ ref('int_marketing_costs_daily') }} as daily_costs
    inner join {{ ref('dim_campaign') }} as campaigns
        on daily_costs.campaign_id = campaigns.campaign_id
    group by daily_costs.date_day, campaigns.channel

),

combined as (

    select * from new_customers
    union all
    select * from costs

),

totals as (

    select
        date_day,
        channel,
        sum(marketing_cost) as marketing_cost,
        sum(new_customers) as new_customers,
        sum(new_customer_net_sales) as new_customer_net_sales
    from combined
    group by date_day, channel

),

final as (

    select
        totals.date_day,
        coalesce(channels.channel_key, {{ unknown_key() }}) as channel_key,
        totals.channel,
        totals.marketing_cost,
        totals.new_customers,
        totals.new_customer_net_sales,
        {{ safe_divide('totals.marketing_cost', 'totals.new_customers') }} as cac,
        {{ safe_divide('totals.new_customer_net_sales', 'totals.new_customers') }}
            as new_customer_aov
    from totals
    left join {{ ref('dim_channel') }} as channels on totals.channel = channels.channel

)

select * from final
