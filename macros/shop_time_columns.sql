{% macro shop_time_columns(utc_timestamp, prefix) -%}
    {#- The shop-local wall time and shop-local day of a UTC timestamp column. -#}
    {{ to_shop_time(utc_timestamp) }} as {{ prefix }}_at_local,
    {{ shop_date(utc_timestamp) }} as {{ prefix }}_date
{%- endmacro %}
