-- Every available indicator of the catalog has values in fct_indicator_values at each of
-- its grains. Excused: indicators that are not available (indicator_availability: a raw
-- table they need was never delivered; the run report lists them as "needs ...") and
-- those whose source mart is empty (e.g. no monthly market report has arrived yet for the
-- loaded months). Returns the indicators and grains with none: a catalog row whose SQL
-- matches nothing, a grain that was never computed, or periods whose values are all missing
-- while a denominator is not zero. A ratio whose denominator is zero in every period (a shop
-- without any overdue order has no backlog to share) has nothing to divide: its periods are
-- there with no value, and it passes (a sum has no denominator: a sum without a value
-- fails). When there are any, the test stops with a message naming each indicator and its
-- grains (the row count alone tells the operator nothing).
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
{%- set missing_values %}
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
    inner join {{ ref('indicator_availability') }} as availability
        on indicators.indicator_code = availability.indicator_code
    where
        indicators.source_model not in ('{{ empty_sources | join("', '") }}')
        and availability.status = 'available'

),

computed as (

    select
        indicator_code,
        grain,
        count(indicator_value) as values_present,
        count(*) filter (where denominator is distinct from 0) as periods_with_denominator
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
where
    computed.indicator_code is null
    or (computed.values_present = 0 and computed.periods_with_denominator > 0)
{%- endset %}
{#- (the tables exist whenever dbt runs the test; not when a linter only compiles it) #}
{%- if execute and load_relation(ref('fct_indicator_values')) is not none
    and load_relation(ref('indicator_availability')) is not none %}
    {%- set failing = run_query(missing_values ~ ' order by 1, 2') %}
    {%- if failing.rows | length > 0 %}
        {%- set grains = {} %}
        {%- for row in failing.rows %}
            {%- do grains.setdefault(row[0], []).append(row[1]) %}
        {%- endfor %}
        {%- set named = [] %}
        {%- for code, names in grains.items() %}
            {%- do named.append(code ~ ' (' ~ names | join(', ') ~ ')') %}
        {%- endfor %}
        {{ exceptions.raise_compiler_error(
            (grains | length) ~ ' available catalog indicators have no values at a grain: '
            ~ named | join('; ')
            ~ '. Check the catalog row (numerator_sql, grains) and its source mart; an '
            ~ 'indicator whose inputs the shop does not deliver belongs in its raw_tables.') }}
    {%- endif %}
{%- endif %}
{{ missing_values }}
