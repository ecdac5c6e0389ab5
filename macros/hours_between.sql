{% macro hours_between(start_timestamp, end_timestamp) -%}
    {#- Elapsed hours between two timestamps, with fractions (null if either is null): the
        exact duration (seconds_between), the same on every engine. -#}
    ({{ seconds_between(start_timestamp, end_timestamp) }} / 3600.0)
{%- endmacro %}
