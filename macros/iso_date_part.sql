{% macro iso_date_part(part, date_expression) -%}
    {#- An ISO 8601 calendar part of a date: iso_year (the year its ISO week belongs to),
        iso_week (1-53) or iso_day_of_week (Monday 1 to Sunday 7). -#}
    {{ return(adapter.dispatch("iso_date_part")(part, date_expression)) }}
{%- endmacro %}

{% macro default__iso_date_part(part, date_expression) -%}
    {%- set fields = {"iso_year": "isoyear", "iso_week": "week", "iso_day_of_week": "isodow"} -%}
    extract({{ fields[part] }} from {{ date_expression }})
{%- endmacro %}

{% macro spark__iso_date_part(part, date_expression) -%}
    {%- set fields = {
        "iso_year": "yearofweek", "iso_week": "week", "iso_day_of_week": "dayofweek_iso"
    } -%}
    extract({{ fields[part] }} from {{ date_expression }})
{%- endmacro %}
