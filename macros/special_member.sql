{% macro special_member(key_column, natural_key_column, other_columns, member="unknown", values={}) -%}
    {#- A dimension's special member row (by default "unknown"), to `union all` after its real
        rows so facts point at it instead of carrying a null key. Columns follow the
        dimension's order: key, natural key, then other_columns (null unless given in values).
        Its key is surrogate_key of the member name, so unknown_key() finds "unknown". -#}
    select
        {{ surrogate_key(["'" ~ member ~ "'"]) }} as {{ key_column }},
        '{{ member }}' as {{ natural_key_column }}
        {%- for column in other_columns %},
        {{ values.get(column, "null") }} as {{ column }}
        {%- endfor %}
{%- endmacro %}
