{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch("days_between")(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    {#- Whole days from start_date to end_date (dates): date subtraction gives an integer in
        DuckDB and PostgreSQL. -#}
    ({{ end_date }} - {{ start_date }})
{%- endmacro %}

{% macro spark__days_between(start_date, end_date) -%}
    datediff({{ end_date }}, {{ start_date }})
{%- endmacro %}
