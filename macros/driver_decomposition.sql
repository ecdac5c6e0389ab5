{% macro driver_periods(relation, measures, slices) -%}
    {#- The additive measures of relation (a daily table with date_day) summed per grain
        (day, ISO week, month), period and slice ('all' or a column of relation). -#}
    {%- for grain in ['day', 'week', 'month'] %}
        {%- set outer = loop %}
        {%- for slice in slices %}
    select
        '{{ grain }}' as grain,
        {{ indicator_period_start('date_day', grain) }} as period_start,
        '{{ slice }}' as slice_dimension,
        {{ "'all'" if slice == 'all' else slice }} as slice_value,
        {%- for measure in measures %}
        cast(sum({{ measure }}) as {{ type_double() }}) as {{ measure }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    group by {{ indicator_period_start('date_day', grain) }}{{ '' if slice == 'all' else ', ' ~ slice }}
    {{ 'union all' if not (outer.last and loop.last) }}
        {%- endfor %}
    {%- endfor %}
{%- endmacro %}

{% macro driver_contributions(relation, parents) -%}
    {#- One row per parent, compared period and driver of relation (previous_<measure> and
        current_<measure> columns): each parent = m3 = m1 × (m2 / m1) × (m3 / m2) over its
        chain of measures [m1, m2, m3], and each driver's Shapley contribution to the
        parent's change. -#}
    {%- for parent in parents %}
        {%- set m = parent['chain'] %}
        {%- set previous = [
            'previous_' ~ m[0],
            'previous_' ~ m[1] ~ ' * 1.0 / nullif(previous_' ~ m[0] ~ ', 0)',
            'previous_' ~ m[2] ~ ' * 1.0 / nullif(previous_' ~ m[1] ~ ', 0)'] %}
        {%- set current = [
            'current_' ~ m[0],
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
    from {{ relation }}
    {{ 'union all' if not (outer.last and loop.last) }}
        {%- endfor %}
    {%- endfor %}
{%- endmacro %}

{% macro driver_measure_pairs(measures) -%}
    {#- current_<m> and previous_<m> columns of the compared periods, for every measure. -#}
    {%- for measure in measures %}
        current_period.{{ measure }} as current_{{ measure }},
        coalesce(previous_period.{{ measure }}, 0) as previous_{{ measure }}
        {{- ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
