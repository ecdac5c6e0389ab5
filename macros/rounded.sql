{% macro rounded(expression, decimals) -%}
    {#- expression rounded to decimals, as a double: PostgreSQL rounds only numerics. -#}
    cast(round(cast({{ expression }} as {{ dbt.type_numeric() }}), {{ decimals }}) as {{ type_double() }})
{%- endmacro %}
