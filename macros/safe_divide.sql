{% macro safe_divide(numerator, denominator) -%}
    {#- numerator / denominator as a decimal ratio, null when the denominator is 0 or null.
        Daily ratio columns use it; coarser grains re-aggregate sum(numerator) /
        sum(denominator), never an average of the daily ratios. -#}
    (({{ numerator }}) * 1.0 / nullif({{ denominator }}, 0))
{%- endmacro %}
