{% macro shop_date(utc_timestamp) -%}
    {#- The shop-local day of a UTC timestamp. -#}
    cast({{ to_shop_time(utc_timestamp) }} as date)
{%- endmacro %}
