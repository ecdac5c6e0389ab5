{#- Parents and the chain of additive measures m1 → m2 → m3 they break into:
    parent = m3 = m1 × (m2 / m1) × (m3 / m2), with the factor names in that order. -#}
{%- set parents = [
    {'code': 'gmv', 'chain': ['visits', 'total_orders', 'gmv'],
     'factors': ['visits', 'orders_per_visit', 'gmv_per_order']},
    {'code': 'net_sales', 'chain': ['visits', 'valid_orders', 'net_sales'],
     'factors': ['visits', 'site_order_conversion_rate', 'aov']},
    {'code': 'gross_profit', 'chain': ['valid_orders', 'net_sales', 'gross_profit'],
     'factors': ['valid_orders', 'aov', 'gross_margin']},
] -%}
{%- set measures = ['visits', 'total_orders', 'valid_orders', 'gmv', 'net_sales', 'gross_profit'] -%}
-- Driver decomposition (指标拆解): the change of gmv, net sales and gross profit between a
-- period and the one before (a day and the same weekday a week earlier, a week and the
-- previous week, a month and the previous month), in total and per attributed channel,
-- split exactly into the contributions of three multiplicative drivers by the Shapley
-- value (each driver's change times the average of the other two over the orders of
-- change), so the contributions add up to the parent's change. A slice where a driver is
-- undefined in either period (no visits or no orders) is not decomposable: its
-- contributions are null.
with drivers as (

    select * from {{ ref('int_sales_drivers_daily') }}

),

periods as (

    {%- for grain in ['day', 'week', 'month'] %}
        {%- for slice in ['all', 'channel'] %}
    select
        '{{ grain }}' as grain,
        {{ indicator_period_start('date_day', grain) }} as period_start,
        '{{ slice }}' as slice_dimension,
        {{ "'all'" if slice == 'all' else 'channel' }} as slice_value,
        {%- for measure in measures %}
        sum({{ measure }}) as {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from drivers
    group by {{ indicator_period_start('date_day', grain) }}{{ ', channel' if slice != 'all' }}
    {{ 'union all' if not loop.last }}
        {%- endfor %}
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

compared as (

    select
        current_period.grain,
        current_period.period_start,
        previous_period.period_start as previous_period_start,
        current_period.slice_dimension,
        current_period.slice_value,
        {%- for measure in measures %}
        current_period.{{ measure }} as current_{{ measure }},
        coalesce(previous_period.{{ measure }}, 0) as previous_{{ measure }},
        {%- endfor %}
        previous_period.period_start is not null as has_previous_period
    from periods as current_period
    left join periods as previous_period
        on
            current_period.grain = previous_period.grain
            and current_period.slice_dimension = previous_period.slice_dimension
            and current_period.slice_value = previous_period.slice_value
            and previous_period.period_start = case current_period.grain
                when 'month' then cast({{ dbt.dateadd('month', -1, 'current_period.period_start') }} as date)
                else cast({{ dbt.dateadd('day', -7, 'current_period.period_start') }} as date)
            end

),

decomposed as (

    {%- for parent in parents %}
        {%- set m = parent['chain'] %}
        {%- set previous = ['previous_' ~ m[0],
            'previous_' ~ m[1] ~ ' * 1.0 / nullif(previous_' ~ m[0] ~ ', 0)',
            'previous_' ~ m[2] ~ ' * 1.0 / nullif(previous_' ~ m[1] ~ ', 0)'] %}
        {%- set current = ['current_' ~ m[0],
            'current_' ~ m[1] ~ ' * 1.0 / nullif(current_' ~ m[0] ~ ', 0)',
            'current_' ~ m[2] ~ ' * 1.0 / nullif(current_' ~ m[1] ~ ', 0)'] %}
        {%- set outer = loop %}
        {%- for factor in parent['factors'] %}
    select
        '{{ parent['code'] }}' as parent_code,
        grain,
        period_start,
        previous_period_start,
        slice_dimension,
        slice_value,
        current_{{ m[2] }} as parent_value,
        previous_{{ m[2] }} as previous_parent_value,
        current_{{ m[2] }} - previous_{{ m[2] }} as parent_change,
        {{ loop.index }} as factor_position,
        '{{ factor }}' as factor_name,
        {{ current[loop.index0] }} as factor_value,
        {{ previous[loop.index0] }} as previous_factor_value,
        {{ shapley_contribution(loop.index0, previous, current) }} as contribution
    from compared
    where has_previous_period
    {{ 'union all' if not (outer.last and loop.last) }}
        {%- endfor %}
    {%- endfor %}

),

final as (

    select
        *,
        contribution / nullif(previous_parent_value, 0) as contribution_rate
    from decomposed

)

select * from final
