-- Every indicator of the catalog has values in fct_indicator_values at each of its grains.
-- Returns the indicators and grains with none (a catalog row whose SQL matches nothing,
-- or a grain that was never computed).
{{ config(meta={'dagster': {'ref': {'name': 'fct_indicator_values'}}}) }}
with catalog_grains as (

    select
        catalog.indicator_code,
        grains.grain
    from {{ ref('indicator_catalog') }} as catalog
    inner join (
        select 'day' as grain
        union all
        select 'week' as grain
        union all
        select 'month' as grain
    ) as grains
        on ';' || catalog.grains || ';' like '%;' || grains.grain || ';%'

),

computed as (

    select
        indicator_code,
        grain,
        count(indicator_value) as values_present
    from {{ ref('fct_indicator_values') }}
    group by indicator_code, grain

)

select
    catalog_grains.indicator_code,
    catalog_grains.grain
from catalog_grains
left join computed
    on
        catalog_grains.indicator_code = computed.indicator_code
        and catalog_grains.grain = computed.grain
where coalesce(computed.values_present, 0) = 0
