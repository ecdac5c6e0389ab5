{% macro indicator_catalog() -%}
    {#- The rows of seed indicator_catalog as a list of dicts (column → value), read from the
        warehouse when dbt executes; an empty list while parsing or before the seed is
        loaded, which renders the indicator models as an empty, typed skeleton. -#}
    {%- set catalog = ref('indicator_catalog') -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set relation = load_relation(catalog) -%}
    {%- if relation is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set table = run_query('select * from ' ~ relation ~ ' order by indicator_code') -%}
    {%- set rows = [] -%}
    {%- for row in table.rows -%}
        {%- do rows.append(dict(zip(table.column_names, row.values()))) -%}
    {%- endfor -%}
    {{ return(rows) }}
{%- endmacro %}

{% macro indicator_period_start(date_column, grain) -%}
    {#- First day of the day, ISO week (Monday) or month that date_column falls in. -#}
    {%- if grain == 'day' -%}
        cast({{ date_column }} as date)
    {%- else -%}
        cast({{ dbt.date_trunc(grain, date_column) }} as date)
    {%- endif -%}
{%- endmacro %}

{% macro indicator_list(text) -%}
    {#- A ';'-separated catalog cell as a list (empty cell → empty list). -#}
    {{ return((text or '').split(';') | map('trim') | reject('equalto', '') | list) }}
{%- endmacro %}

{% macro indicator_slice(entry) -%}
    {#- A slice of the catalog's slices cell as (dimension name, SQL expression): a column
        name stands for itself; name:expression names an expression. -#}
    {%- set name, _, expression = entry.partition(':') -%}
    {{ return((name | trim, (expression or name) | trim)) }}
{%- endmacro %}
