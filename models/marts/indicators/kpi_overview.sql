{#- The headline indicators: those the catalog flags headline, in catalog order. -#}
{%- set headlines = indicator_catalog() | selectattr('headline') | map(attribute='indicator_code')
    | list -%}
{{ config(materialized='view') }}
-- KPI overview for BI (核心指标总览): one row per grain (day, week, month) and period, one
-- column per headline indicator of the catalog (headline: true), shop-wide values of
-- fct_indicator_values.
with indicator_values as (

    select * from {{ ref('fct_indicator_values') }}
    where slice_dimension = 'all'

),

final as (

    select
        grain,
        period_start,
        period_end,
    {%- for code in headlines %}
        max(case when indicator_code = '{{ code }}' then indicator_value end) as {{ code }}
        {{- ',' if not loop.last }}
    {%- endfor %}
    from indicator_values
    group by grain, period_start, period_end

)

select * from final
