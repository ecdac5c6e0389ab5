{#- The decomposed indicators of the catalog (key decomposition): each breaks into a chain
    of additive measures m1 → m2 → m3, parent = m3 = m1 × (m2 / m1) × (m3 / m2), with the
    drivers' names in that order. -#}
{%- set parents = [] -%}
{%- set measures = [] -%}
{%- for entry in indicator_catalog() if entry['decomposition'] -%}
    {%- do parents.append({'code': entry['indicator_code'],
        'chain': entry['decomposition']['chain'],
        'factors': entry['decomposition']['factors']}) -%}
    {%- for measure in entry['decomposition']['chain'] if measure not in measures -%}
        {%- do measures.append(measure) -%}
    {%- endfor -%}
{%- endfor -%}
-- Driver decomposition (指标拆解): the change of gmv, net sales and gross profit between a
-- period and the one before (a day and the same weekday a week earlier, a week and the
-- previous week, a month and the previous month), in total and per attributed channel,
-- split exactly into the contributions of three multiplicative drivers by the Shapley
-- value (each driver's change times the average of the other two over the orders of
-- change), so the contributions add up to the parent's change. A slice where a driver is
-- undefined in either period (no visits or no orders) is not decomposable: its
-- contributions are null.
with periods as (

    {{ driver_periods(ref('fct_sales_drivers_daily'), measures, ['all', 'channel']) }}

),

compared as (

    select
        current_period.grain,
        current_period.period_start,
        previous_period.period_start as previous_period_start,
        current_period.slice_dimension,
        current_period.slice_value,
        {{ driver_measure_pairs(measures) }}
    from periods as current_period
    inner join periods as previous_period
        on
            current_period.grain = previous_period.grain
            and current_period.slice_dimension = previous_period.slice_dimension
            and current_period.slice_value = previous_period.slice_value
            and previous_period.period_start = case current_period.grain
                when 'month'
                    then cast({{ dbt.dateadd('month', -1, 'current_period.period_start') }} as date)
                else cast({{ dbt.dateadd('day', -7, 'current_period.period_start') }} as date)
            end

),

decomposed as (

    {{ driver_contributions('compared', parents) }}

),

final as (

    select
        *,
        contribution / nullif(previous_parent_value, 0) as contribution_rate
    from decomposed

)

select * from final
