{% macro seconds_between(start_timestamp, end_timestamp) -%}
    {#- Elapsed seconds between two timestamps, with fractions (null if either is null).
        Unlike datediff('second'), which counts second boundaries crossed, this is the
        exact duration, so a 29 min 59.5 s gap stays under a 30 minute timeout. -#}
    {{ return(adapter.dispatch("seconds_between")(start_timestamp, end_timestamp)) }}
{%- endmacro %}

{% macro default__seconds_between(start_timestamp, end_timestamp) -%}
    cast(extract(epoch from ({{ end_timestamp }} - {{ start_timestamp }})) as {{ type_double() }})
{%- endmacro %}

{% macro spark__seconds_between(start_timestamp, end_timestamp) -%}
    cast(unix_micros({{ end_timestamp }}) - unix_micros({{ start_timestamp }}) as double) / 1000000
{%- endmacro %}
