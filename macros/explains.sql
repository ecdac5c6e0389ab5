{% macro explains(upstream_harm, downstream_harm) -%}
    {#- Whether an upstream event's move can explain a downstream one in the catalog's net:
        it moves at least a tenth as much (relative harm), or either move is unknown (an
        alert out of bounds without a baseline). -#}
    coalesce({{ upstream_harm }} >= 0.1 * {{ downstream_harm }}, true)
{%- endmacro %}
