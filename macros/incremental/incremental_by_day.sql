{#- Config of a fact rebuilt by shop-local day: which days an incremental run replaces is
    decided by rebuild_from (touched_days.sql); this file says how (per adapter). -#}

{% macro incremental_by_day(day_column, domain, tested_day_column=none) -%}
    {#- Config of a fact rebuilt by shop-local day: an incremental run replaces whole days
        (every day from rebuild_from(domain) on), a first or --full-refresh run builds them
        all. meta.rebuilt_by_day records the day column (or tested_day_column, the day a
        test of the rebuilt rows reads them by, when the key is not a day: a month) and the
        domain for the fact's tests (macro get_where_subquery). -#}
    {%- set meta = {"rebuilt_by_day": {
        "column": tested_day_column or day_column, "domain": domain}} -%}
    {{ return(adapter.dispatch("incremental_by_day")(day_column, meta)) }}
{%- endmacro %}

{% macro default__incremental_by_day(day_column, meta) -%}
    {{ return({
        "materialized": "incremental",
        "incremental_strategy": "delete+insert",
        "unique_key": day_column,
        "on_schema_change": "fail",
        "meta": meta,
    }) }}
{%- endmacro %}

{% macro spark__incremental_by_day(day_column, meta) -%}
    {#- Spark's append strategy ignores unique_key: overwrite the day partitions instead. -#}
    {{ return({
        "materialized": "incremental",
        "incremental_strategy": "insert_overwrite",
        "partition_by": [day_column],
        "file_format": "parquet",
        "on_schema_change": "fail",
        "meta": meta,
    }) }}
{%- endmacro %}
