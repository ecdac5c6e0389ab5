-- Operating environment (经营环境指标), one row per month × level 1 category of the
-- third-party market report: the market's GMV, ours, market share (市场占有率) and market
-- growth (市场扩大率). Months from the first to the last month with our sales. Re-aggregate
-- share as sum(gmv) / sum(market_gmv) and growth as sum(market_gmv) /
-- sum(previous_market_gmv) - 1.
with market as (

    select
        report_month_start_date as month_start_date,
        category_l1,
        market_gmv,
        lag(market_gmv) over (
            partition by category_l1 order by report_month_start_date
        ) as previous_market_gmv
    from {{ ref('stg_market__market_category_gmv') }}

),

sales as (

    select
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        category_l1,
        sum(gmv) as gmv
    from {{ ref('fct_sku_daily') }}
    group by cast({{ dbt.date_trunc('month', 'date_day') }} as date), category_l1

),

bounds as (

    select
        min(month_start_date) as first_month_start_date,
        max(month_start_date) as last_month_start_date
    from sales

),

final as (

    select
        market.month_start_date,
        market.category_l1,
        coalesce(sales.gmv, 0) as gmv,
        market.market_gmv,
        market.previous_market_gmv,
        {{ safe_divide('coalesce(sales.gmv, 0)', 'market.market_gmv') }} as market_share,
        {{ safe_divide('market.market_gmv', 'market.previous_market_gmv') }} - 1
            as market_growth_rate
    from market
    inner join bounds
        on
            market.month_start_date between bounds.first_month_start_date
            and bounds.last_month_start_date
    left join sales
        on
            market.month_start_date = sales.month_start_date
            and market.category_l1 = sales.category_l1

)

select * from final
