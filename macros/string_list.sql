{% macro string_list(expression, delimiter) -%}
    {#- Aggregate: the group's values of expression, sorted, joined by delimiter. -#}
    {{ return(adapter.dispatch("string_list")(expression, delimiter)) }}
{%- endmacro %}

{% macro default__string_list(expression, delimiter) -%}
    {{ dbt.listagg(expression, "'" ~ delimiter ~ "'", "order by " ~ expression) }}
{%- endmacro %}

{% macro spark__string_list(expression, delimiter) -%}
    {#- dbt.listagg cannot order on Spark -#}
    array_join(array_sort(collect_list({{ expression }})), '{{ delimiter }}')
{%- endmacro %}
