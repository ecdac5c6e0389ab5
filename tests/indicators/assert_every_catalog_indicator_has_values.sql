-- Every indicator of the catalog has values in fct_indicator_values at each of its grains,
-- unless its source mart is empty (e.g. no monthly market report has arrived yet for the
-- loaded months). Returns the indicators and grains with none: a catalog row whose SQL
-- matches nothing, or a grain that was never computed.
{%- set empty_sources = ['-'] %}
{%- if execute %}
    {%- for source in indicator_catalog() | map(attribute='source_model') | unique %}
        {%- set relation = adapter.get_relation(target.database, 'marts', source) %}
        {%- if relation is none
            or run_query('select count(*) from ' ~ relation).columns[0].values()[0] == 0 %}
            {%- do empty_sources.append(source) %}
        {%- endif %}
    {%- endfor %}
{%- endif %}
{{ config(meta={'dagster': {'ref': {'name': 'fct_indicator_values'}}}) }}
with period_grains as (

    select 'day' as grain_name
    union all
    select 'week' as grain_name
    union all
    select 'month' as grain_name

),

catalog_grains as (

    select
        indicators.indicator_code,
        period_grains.grain_name
    from {{ ref('indicator_catalog') }} as indicators
    inner join period_grains
        on ';' || indicators.grains || ';' like '%;' || period_grains.grain_name || ';%'
    where indicators.source_model not in ('{{ empty_sources | join("', '") }}')

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
    catalog_grains.grain_name
from catalog_grains
left join computed
    on
        catalog_grains.indicator_code = computed.indicator_code
        and catalog_grains.grain_name = computed.grain
where coalesce(computed.values_present, 0) = 0
