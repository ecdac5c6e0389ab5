-- Operating environment (经营环境指标), one row per shop-local day: assortment on sale with
-- stock (商品类目多样性), site availability from monitoring probes (网站正常运营情况) and
-- page load speed (链接速度) from web page views (fct_page_load_speed_daily, incremental
-- by day) and probes. Percentiles do not re-aggregate: recompute them for a week or month from
-- fct_page_views and fct_site_probes.
with assortment as (

    select
        date_day,
        count(distinct case when is_in_stock then category_l1 end) as categories_l1_in_stock,
        count(distinct case when is_in_stock then category_l2 end) as categories_l2_in_stock,
        sum(case when is_in_stock then 1 else 0 end) as skus_in_stock
    from {{ ref('fct_sku_daily') }}
    group by date_day

),

probes as (

    select
        probed_date as date_day,
        count(*) as probes,
        sum(success_count) as successful_probes,
        {{ percentile('response_ms', 0.5) }} as probe_response_p50_ms,
        {{ percentile('response_ms', 0.95) }} as probe_response_p95_ms
    from {{ ref('fct_site_probes') }}
    group by probed_date

),

page_loads as (

    select
        viewed_date as date_day,
        timed_page_loads,
        page_load_p50_ms,
        page_load_p95_ms
    from {{ ref('fct_page_load_speed_daily') }}

),

days as (

    select date_day from assortment
    union
    select date_day from probes
    union
    select date_day from page_loads

),

final as (

    select
        days.date_day,
        coalesce(assortment.categories_l1_in_stock, 0) as categories_l1_in_stock,
        coalesce(assortment.categories_l2_in_stock, 0) as categories_l2_in_stock,
        coalesce(assortment.skus_in_stock, 0) as skus_in_stock,
        coalesce(probes.probes, 0) as probes,
        coalesce(probes.successful_probes, 0) as successful_probes,
        {{ safe_divide('probes.successful_probes', 'probes.probes') }} as site_availability,
        probes.probe_response_p50_ms,
        probes.probe_response_p95_ms,
        coalesce(page_loads.timed_page_loads, 0) as timed_page_loads,
        page_loads.page_load_p50_ms,
        page_loads.page_load_p95_ms
    from days
    left join assortment on days.date_day = assortment.date_day
    left join probes on days.date_day = probes.date_day
    left join page_loads on days.date_day = page_loads.date_day

)

select * from final
