{% macro quintile_score(value, partition_by, descending=false) -%}
    {#- Quintile score 1-5 of value within its partition, 5 the best (the largest value, or
        the smallest when descending=true). Ties get the same score: the score comes from
        rank() (equal values share a rank), as 1 + floor(5 × (rank − 1) / rows), so a
        value's score never depends on the order of equal rows, unlike ntile(5). -#}
    cast(1 + floor(
        5.0 * (rank() over (
            partition by {{ partition_by }}
            order by {{ value }} {{ 'desc' if descending else 'asc' }}
        ) - 1)
        / count(*) over (partition by {{ partition_by }})
    ) as integer)
{%- endmacro %}
