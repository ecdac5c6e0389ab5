{% macro shapley_contribution(position, previous, current) -%}
    {#- Shapley contribution of factor `position` (0, 1 or 2) to the change of a product of
        three factors from previous = [a0, b0, c0] to current = [a1, b1, c1] (SQL
        expressions): the factor's change times the average, over the orders in which the
        factors can change, of the other two factors. The three contributions add up to
        a1·b1·c1 − a0·b0·c0 exactly, and a factor that does not change contributes 0. -#}
    {%- set others = [0, 1, 2] | reject('equalto', position) | list -%}
    {%- set x, y = others[0], others[1] -%}
    (({{ current[position] }}) - ({{ previous[position] }})) * (
        (({{ previous[x] }}) * ({{ previous[y] }}) + ({{ current[x] }}) * ({{ current[y] }})) / 3.0
        + (({{ previous[x] }}) * ({{ current[y] }}) + ({{ current[x] }}) * ({{ previous[y] }})) / 6.0
    )
{%- endmacro %}
