{% macro unknown_key() -%}
    {#- Surrogate key of the "unknown" member row every dimension carries (special_member),
        so that fact foreign keys are never null. -#}
    {{ surrogate_key(["'unknown'"]) }}
{%- endmacro %}
