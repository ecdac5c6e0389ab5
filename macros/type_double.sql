{% macro type_double() -%}
    {{ return(adapter.dispatch("type_double")()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    {#- 8-byte floating point (dbt.type_float() is 4-byte REAL on DuckDB). -#}
    double precision
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}
