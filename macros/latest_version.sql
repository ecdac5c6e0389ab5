{% macro latest_version(relation, key_columns, updated_at, where=none) -%}
    {#- The latest version of each record of a raw table delivered as changes: one row per
        key. Version order: the record's own version time, then the later export day, then
        the later load, then the file name, so the choice is deterministic even when
        identical records were delivered twice. `where` filters the raw rows first (the days
        an incremental staging table rebuilds). -#}
    {%- set version_order = [
        updated_at ~ " desc", "_partition_date desc", "_loaded_at desc", "_source_file desc"
    ] -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key_columns | join(", ") }}
                order by {{ version_order | join(", ") }}
            ) as version_rank
        from {{ relation }}
        {%- if where %}
        where {{ where }}
        {%- endif %}
    ) as versions
    where version_rank = 1
{%- endmacro %}
