{{ config(materialized='view') }}
-- The indicator layer (指标体系): every indicator of the catalog
-- (models/marts/indicators/catalog/) at day, ISO week and month grain, in total and per
-- slice, as one long table. Each source mart's indicators are computed by their own model
-- (fct_indicator_values__<mart>, generated from the catalog: one scan of the mart per
-- model, which bounds memory by the largest), with the catalog's aggregate expressions
-- evaluated on the mart's rows of each period, so every grain is computed from the rows
-- and not from finer values: sums add up, ratios are sum over sum, distinct counts are
-- recounted and percentiles recomputed. Indicators that are not available
-- (indicator_availability: a raw table they need was never delivered) have no rows at
-- all, rather than zeros. A value is provisional while late events can still change it:
-- its period ended fewer than the catalog's maturity_days before the latest loaded day
-- (returns and refunds arrive weeks after the order day, receipts days after shipping);
-- computed when read, since each new day matures older periods.
with indicator_parts as (
    {%- for source_model in indicator_catalog() | map(attribute='source_model') | unique %}

        select {{ indicator_value_columns() }}
        from {{ ref(indicator_part_model(source_model)) }}
        {{ 'union all' if not loop.last }}
    {%- endfor %}

),

available as (

    select indicator_code
    from {{ ref('indicator_availability') }}
    where status = 'available'

),

maturity as (

    select
        indicator_code,
        maturity_days
    from {{ ref('indicator_catalog') }}

),

latest as (

    select max(period_end) as latest_day
    from indicator_parts
    where grain = 'day'

)

select
    {{ indicator_value_columns('indicator_parts') }},
    coalesce(
        {{ dbt.dateadd('day', 'maturity.maturity_days', 'indicator_parts.period_end') }}
        > latest.latest_day,
        false
    ) as is_provisional
from indicator_parts
inner join available
    on indicator_parts.indicator_code = available.indicator_code
inner join maturity
    on indicator_parts.indicator_code = maturity.indicator_code
cross join latest
