{#- Which rows a generic test reads on a run that rebuilt some days only. -#}

{% macro get_where_subquery(relation) -%}
    {#- The rows a generic test reads (dbt's hook for its where config). When the run's
        tests read only the rebuilt days (reads_rebuilt_days_only), a test of a fact rebuilt
        by day reads the days the run rebuilt (rebuilt_days_only of the fact's day column
        and domain, meta.rebuilt_by_day). Every other test reads the whole relation, and so
        does a test that also reads another model (a relationships test: its parent may have
        changed under the old days), unless its config says the rows a fact's row refers to
        are of that row's day, in a fact rebuilt by the same days (meta
        refers_within_rebuilt_day: a page view's visit). The test's own where config applies
        on top.
        rebuild_from reads stg_pipeline__touched_days by its relation in a test (macro
        touched_days_relation): a ref made while a test executes would not be among the
        test's dependencies. -#}
    {%- set conditions = [] -%}
    {%- set where = config.get("where") -%}
    {%- if where -%}
        {%- do conditions.append("(" ~ where ~ ")") -%}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) if execute and model.attached_node -%}
    {%- set rebuilt = (tested.config.meta or {}).get("rebuilt_by_day") if tested -%}
    {%- set reads_fact_alone = model.depends_on.nodes | length == 1
        or (model.config.meta or {}).get("refers_within_rebuilt_day") -%}
    {%- if rebuilt and reads_fact_alone and reads_rebuilt_days_only() -%}
        {%- do conditions.append(rebuilt_days_only(rebuilt.column, rebuilt.domain)) -%}
    {%- endif -%}
    {%- if conditions -%}
        {{ return("(select * from " ~ relation ~ " where " ~ conditions | join(" and ")
            ~ ") dbt_subquery") }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
