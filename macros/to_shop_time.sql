{% macro to_shop_time(utc_timestamp) -%}
    {{ return(adapter.dispatch("to_shop_time")(utc_timestamp)) }}
{%- endmacro %}

{% macro default__to_shop_time(utc_timestamp) -%}
    (({{ utc_timestamp }}) at time zone 'UTC') at time zone '{{ var("shop_timezone") }}'
{%- endmacro %}

{% macro spark__to_shop_time(utc_timestamp) -%}
    from_utc_timestamp({{ utc_timestamp }}, '{{ var("shop_timezone") }}')
{%- endmacro %}
