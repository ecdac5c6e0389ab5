{% test not_null_columns(model, columns) %}
    {#- Fails when any of the columns holds a null: one scan of the model for all of them (one
        test node per model instead of one per column). One row per column with nulls, with
        how many rows; the failure count is their total. -#}
    {{ config(fail_calc="coalesce(sum(null_rows), 0)") }}
    with null_counts as (

        select
            {%- for column in columns %}
            count(*) - count({{ column }}) as nulls_{{ loop.index }}{{ "," if not loop.last }}
            {%- endfor %}
        from {{ model }}

    )

    {% for column in columns -%}
    select
        '{{ column }}' as column_name,
        nulls_{{ loop.index }} as null_rows
    from null_counts
    where nulls_{{ loop.index }} > 0
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
{% endtest %}
