{% macro mask_phone(column) -%}
    {#- A phone number with all but its first 3 and last 4 characters hidden. -#}
    case
        when {{ column }} is not null
            then {{ dbt.concat(["substr(" ~ column ~ ", 1, 3)", "'****'", dbt.right(column, "4")]) }}
    end
{%- endmacro %}
