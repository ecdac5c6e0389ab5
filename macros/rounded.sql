{% macro rounded(expression, decimals) -%}
    {#- expression rounded to decimals, as a double: PostgreSQL rounds only numerics. -#}
    cast(round(cast({{ expression }} as {{ dbt.type_numeric() }}), {{ decimals }}) as {{ type_double() }})
{%- endmacro %}

{% macro rounded_text(expression, decimals) -%}
    {#- expression as text with exactly `decimals` decimals, the same on every engine (a
        double's text differs: DuckDB writes -90.0, PostgreSQL -90). -#}
    cast(cast({{ rounded(expression, decimals) }} as decimal(38, {{ decimals }})) as {{ dbt.type_string() }})
{%- endmacro %}
