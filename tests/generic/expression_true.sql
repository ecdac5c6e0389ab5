{% test expression_true(model, expression, column_name=none) %}
    {#- Fails on every row where the SQL expression is not true. -#}
    select *
    from {{ model }}
    where not ({{ expression }})
{% endtest %}
