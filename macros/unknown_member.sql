{% macro unknown_member(key_column, natural_key_column, other_columns, key_value=none) -%}
    {#- The "unknown" member row of a dimension, to `union all` after its real rows: facts
        point at it instead of carrying a null key. Columns must follow the dimension's
        order: key, natural key, then other_columns (all null). -#}
    select
        {{ key_value if key_value is not none else unknown_key() }} as {{ key_column }},
        'unknown' as {{ natural_key_column }}
        {%- for column in other_columns %},
        null as {{ column }}
        {%- endfor %}
{%- endmacro %}
