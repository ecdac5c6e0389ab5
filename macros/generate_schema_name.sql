{% macro generate_schema_name(custom_schema_name, node) -%}
    {#- Layers live in schemas named exactly as configured (staging, intermediate, marts),
        not prefixed with the target schema: analysts and BI tools read stable names. -#}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
