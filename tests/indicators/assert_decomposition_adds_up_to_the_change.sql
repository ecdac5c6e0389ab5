-- The drivers' contributions of every decomposable parent, period and slice add up to the
-- parent's change (up to floating-point rounding). Returns the rows that do not.
{{ config(meta={'dagster': {'ref': {'name': 'fct_indicator_decomposition'}}}) }}
with sums as (

    select
        parent_code,
        grain,
        period_start,
        slice_dimension,
        slice_value,
        max(parent_change) as parent_change,
        sum(contribution) as contributions
    from {{ ref('fct_indicator_decomposition') }}
    group by parent_code, grain, period_start, slice_dimension, slice_value
    having count(contribution) = 3

)

select * from sums
where abs(contributions - parent_change) > 1e-6 * greatest(abs(parent_change), 1)
