{% macro shop_time_columns(utc_timestamp, prefix) -%}
    {#- The shop-local wall time and shop-local day of a UTC timestamp column. -#}
    {{ to_shop_time(utc_timestamp) }} as {{ prefix }}_at_local,
    cast({{ to_shop_time(utc_timestamp) }} as date) as {{ prefix }}_date
{%- endmacro %}
