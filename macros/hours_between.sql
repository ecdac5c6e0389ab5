{% macro hours_between(start_timestamp, end_timestamp) -%}
    {#- Elapsed hours between two timestamps, with fractions (null if either is null). -#}
    ({{ dbt.datediff(start_timestamp, end_timestamp, 'second') }} / 3600.0)
{%- endmacro %}
