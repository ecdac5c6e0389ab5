{% macro safe_divide(numerator, denominator) -%}
    {#- numerator / denominator as a double, null when the denominator is 0 or null (Spark
        would otherwise round a decimal quotient to 6 places). Daily ratio columns use it;
        coarser grains re-aggregate sum(numerator) / sum(denominator), never an average of
        the daily ratios. -#}
    (cast({{ numerator }} as {{ type_double() }}) / nullif({{ denominator }}, 0))
{%- endmacro %}
