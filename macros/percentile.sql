{% macro percentile(column, fraction) -%}
    {#- Continuous percentile of column (fraction 0-1, e.g. 0.95 for p95) as an ordered-set
        aggregate, which DuckDB and PostgreSQL both accept. Percentiles do not
        re-aggregate: recompute them from the rows at every grain. -#}
    percentile_cont({{ fraction }}) within group (order by {{ column }})
{%- endmacro %}
