{% macro latest_first(current, earlier) -%}
    {#- The rank of each earlier day of a series (indicator × slice) as seen from a current
        day of it, the latest earlier day first: the windows of baselines and lifts. -#}
    row_number() over (
        partition by
            {{ current }}.indicator_code,
            {{ current }}.period_start,
            {{ current }}.slice_dimension,
            {{ current }}.slice_value
        order by {{ earlier }}.period_start desc
    )
{%- endmacro %}
