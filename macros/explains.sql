{% macro explains(driver, driven) -%}
    {#- Whether the event ``driver`` can explain the event ``driven`` of the same day in the
        catalog's net (both relations with indicator_code, upstream_codes and harm): its
        indicator is upstream of the driven one and it moves at least a tenth as much
        (relative harm), or either move is unknown (an alert out of bounds without a
        baseline). -#}
    (';' || {{ driven }}.upstream_codes || ';') like ('%;' || {{ driver }}.indicator_code || ';%')
    and coalesce({{ driver }}.harm >= 0.1 * {{ driven }}.harm, true)
{%- endmacro %}
