-- Per shop-local day, attributed + unattributed (campaign "none") equals the whole:
-- valid orders and net sales of fct_campaign_performance_daily equal fct_orders', its
-- visits equal fct_visits', and its marketing cost equals ad spend plus partner
-- commission counted straight from raw (each record once). Returns the days that disagree.
{{ config(meta={'dagster': {'ref': {'name': 'fct_campaign_performance_daily'}}}) }}
with campaign_daily as (

    select
        date_day,
        sum(valid_orders) as valid_orders,
        sum(attributed_net_sales) as net_sales,
        sum(visits) as visits,
        sum(marketing_cost) as marketing_cost
    from {{ ref('fct_campaign_performance_daily') }}
    group by date_day

),

order_daily as (

    select
        placed_date as date_day,
        sum(valid_order_count) as valid_orders,
        sum(net_sales) as net_sales
    from {{ ref('fct_orders') }}
    group by placed_date

),

visit_daily as (

    select
        visit_date as date_day,
        count(*) as visits
    from {{ ref('fct_visits') }}
    group by visit_date

),

raw_costs as (

    select distinct
        'spend' as cost_kind,
        campaign_id || '|' || cast(spend_date as {{ dbt.type_string() }}) as record_id,
        spend_date as date_day,
        cost as cost_amount
    from {{ source('marketing', 'ad_spend') }}
    union all
    select distinct
        'commission' as cost_kind,
        commission_id as record_id,
        cast({{ to_shop_time('accrued_at') }} as date) as date_day,
        commission_amount as cost_amount
    from {{ source('marketing', 'partner_commissions') }}

),

cost_daily as (

    select
        date_day,
        sum(cost_amount) as marketing_cost
    from raw_costs
    group by date_day

),

expected as (

    select
        coalesce(order_daily.date_day, visit_daily.date_day, cost_daily.date_day) as date_day,
        coalesce(order_daily.valid_orders, 0) as valid_orders,
        coalesce(order_daily.net_sales, 0) as net_sales,
        coalesce(visit_daily.visits, 0) as visits,
        coalesce(cost_daily.marketing_cost, 0) as marketing_cost
    from order_daily
    full outer join visit_daily on order_daily.date_day = visit_daily.date_day
    full outer join cost_daily
        on coalesce(order_daily.date_day, visit_daily.date_day) = cost_daily.date_day

)

select
    expected.date_day,
    expected.valid_orders as expected_valid_orders,
    campaign_daily.valid_orders as campaign_valid_orders,
    expected.net_sales as expected_net_sales,
    campaign_daily.net_sales as campaign_net_sales,
    expected.visits as expected_visits,
    campaign_daily.visits as campaign_visits,
    expected.marketing_cost as expected_marketing_cost,
    campaign_daily.marketing_cost as campaign_marketing_cost
from expected
full outer join campaign_daily on expected.date_day = campaign_daily.date_day
where
    expected.valid_orders is distinct from campaign_daily.valid_orders
    or expected.net_sales is distinct from campaign_daily.net_sales
    or expected.visits is distinct from campaign_daily.visits
    or expected.marketing_cost is distinct from campaign_daily.marketing_cost
