{#- The days a run's loads touched (model stg_pipeline__touched_days, generated from the
    contract) and the first day an incremental model rebuilds from them. -#}

{% macro touched_days_config() -%}
    {#- stg_pipeline__touched_days: incremental by export day, as a fact by its day. -#}
    {{ return(adapter.dispatch("incremental_by_day")("export_day", {})) }}
{%- endmacro %}

{% macro touched_export_days() -%}
    {#- Row filter of the raw tables stg_pipeline__touched_days reads: on an incremental run
        the export days of the run's window (every one without a window), on a first or
        --full-refresh build every export day. -#}
    {%- if is_incremental() -%}
        {{ in_run_window("_partition_date") }}
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{% macro touched_days_relation() -%}
    {#- stg_pipeline__touched_days by ref, which makes it a parent of the model (the ref is
        rendered while parsing); in a test, which reads it while executing and has no such
        parent, by the relation dbt builds it as. -#}
    {%- if execute and model.resource_type == "test" -%}
        {%- set node = graph.nodes["model." ~ project_name ~ ".stg_pipeline__touched_days"] -%}
        {{ return(api.Relation.create(
            database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endif -%}
    {{ return(ref("stg_pipeline__touched_days")) }}
{%- endmacro %}

{% macro rebuild_from(domain) -%}
    {#- First day an incremental run rebuilds: the earliest day its export days touched
        (stg_pipeline__touched_days), of one domain or of a list of them (a fact depending
        on several: an order's attribution on the order and the visitor's touches). Every
        later day is rebuilt too, because effects carry forward: a visit's attribution
        looks back 7 days, a visitor is new only at their first visit, an order's customer
        history (previous order, first valid order) spans days. Null (nothing rebuilt) when
        the run loaded nothing of them. -#}
    {%- set domains = [domain] if domain is string else domain %}
    (select min(touched_day) from {{ touched_days_relation() }}
        where domain_name in ('{{ domains | join("', '") }}')
            and {{ in_run_window("export_day") }})
{%- endmacro %}
