{% macro last_non_null(expression, window) -%}
    {#- The last non-null value of an expression over a window (its partition, order and
        frame, e.g. "partition by a order by b rows between unbounded preceding and
        1 preceding"); null when the frame has none. Dispatched: PostgreSQL has no
        IGNORE NULLS. -#}
    {{ return(adapter.dispatch("last_non_null")(expression, window)) }}
{%- endmacro %}

{% macro default__last_non_null(expression, window) -%}
    last_value({{ expression }} ignore nulls) over ({{ window }})
{%- endmacro %}

{% macro spark__last_non_null(expression, window) -%}
    last_value({{ expression }}, true) over ({{ window }})
{%- endmacro %}

{% macro postgres__last_non_null(expression, window) -%}
    (array_agg({{ expression }}) filter (where {{ expression }} is not null) over ({{ window }}))[
        count({{ expression }}) over ({{ window }})
    ]
{%- endmacro %}
