{% macro same_series(left, right, same_day=true) -%}
    {#- A join condition: the rows of ``left`` and ``right`` are of the same series
        (indicator × slice) and, unless same_day is false, of the same day. -#}
    {{ left }}.indicator_code = {{ right }}.indicator_code
    {%- if same_day %}
    and {{ left }}.period_start = {{ right }}.period_start
    {%- endif %}
    and {{ left }}.slice_dimension = {{ right }}.slice_dimension
    and {{ left }}.slice_value = {{ right }}.slice_value
{%- endmacro %}
