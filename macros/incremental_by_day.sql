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

{% macro run_window() -%}
    {#- The run's export days as (first, last), or none for a run over every day: vars
        window_start and window_end when given (dbt --vars), else the environment
        (SHOP_WINDOW_START, SHOP_WINDOW_END), which the orchestration sets. Read while
        executing only: unlike changed vars, a changed environment then keeps dbt's
        partial parsing, which saves a full parse of the project on every daily run. -#}
    {%- set first = var("window_start", none) -%}
    {%- set last = var("window_end", none) -%}
    {%- if not first and execute -%}
        {%- set first = env_var("SHOP_WINDOW_START", "") or none -%}
        {%- set last = env_var("SHOP_WINDOW_END", "") or none -%}
    {%- endif -%}
    {{ return((first, last) if first else none) }}
{%- endmacro %}

{% macro in_run_window(day_expression) -%}
    {#- True for the export days of the run (macro run_window); every day without one. -#}
    {%- set window = run_window() -%}
    {%- if window -%}
        {{ day_expression }} between cast('{{ window[0] }}' as date)
        and cast('{{ window[1] }}' as date)
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{% macro shop_date(utc_timestamp) -%}
    {#- The shop-local day of a UTC timestamp. -#}
    cast({{ to_shop_time(utc_timestamp) }} as date)
{%- endmacro %}

{% macro touched_days(domain) -%}
    {#- The shop-local business days touched by the rows the run loaded (raw rows of its
        export partitions), per domain of facts:
          web        the days of the events;
          orders     the order days of every order a loaded order, line, payment,
                     cancellation, refund, return, shipment (or parcel line) or picking
                     exception refers to (late deliveries, returns and refunds touch the
                     day of their order);
          inventory  the snapshot days;
          any        the event days of every raw table that has an event time (sources'
                     meta.event_time): a market report touches the month it reports. -#}
    {%- if domain == "web" -%}
        select {{ shop_date("event_at") }} as touched_day
        from {{ source("web", "events") }}
        where {{ in_run_window("_partition_date") }}
    {%- elif domain == "orders" -%}
        {%- set order_sources = [
            ("shop", "orders"), ("shop", "order_lines"), ("shop", "payments"),
            ("shop", "cancellations"), ("shop", "refunds"), ("shop", "returns"),
            ("wms", "shipments"), ("wms", "shipment_lines"), ("wms", "picking_exceptions"),
        ] -%}
        select {{ shop_date("orders.placed_at") }} as touched_day
        from {{ source("shop", "orders") }} as orders
        where orders.order_id in (
            {%- for source_name, table_name in order_sources %}
            select order_id from {{ source(source_name, table_name) }}
            where {{ in_run_window("_partition_date") }}
            {{ "union all" if not loop.last }}
            {%- endfor %}
        )
    {%- elif domain == "any" -%}
        {#- every raw table with an event time (sources' meta.event_time), by that day; the
            graph is empty while parsing (the sources are then not the node's dependencies,
            which dbt requires of refs only) -#}
        {%- set sources = graph.get("sources", {}).values() -%}
        {%- set timed = sources | selectattr("meta.event_time", "defined") | list -%}
        select cast(null as date) as touched_day
        {%- for node in timed %}
        {%- set column = node.meta.event_time -%}
        {%- set is_date = node.columns[column].data_type == "date" %}
        union all
        select {{ column if is_date else shop_date(column) }}
        from {{ source(node.source_name, node.name) }}
        where {{ in_run_window("_partition_date") }}
        {%- endfor %}
    {%- elif domain == "inventory" -%}
        select snapshot_date as touched_day
        from {{ source("wms", "inventory_snapshots") }}
        where {{ in_run_window("_partition_date") }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("touched_days: unknown domain " ~ domain) }}
    {%- endif -%}
{%- endmacro %}

{% macro rebuild_from(domain) -%}
    {#- First day an incremental run rebuilds: the earliest day its loads touched, of one
        domain or of a list of them (a fact depending on several: an order's attribution
        on the order and the visitor's touches). Every later day is rebuilt too, because
        effects carry forward: a visit's attribution looks back 7 days, a visitor is new
        only at their first visit, an order's customer history (previous order, first valid
        order) spans days. Null (nothing rebuilt) when the run loaded nothing of them. -#}
    {%- set domains = [domain] if domain is string else domain %}
    (select min(touched_day) from (
        {%- for name in domains %}
        {{ touched_days(name) }}
        {{ "union all" if not loop.last }}
        {%- endfor %}
    ) as touched)
{%- endmacro %}

{% macro reads_rebuilt_days_only() -%}
    {#- Whether the node executing reads only the days the run rebuilds: an incremental run
        of an incremental model; for a test, a run with a window (the orchestration's daily
        runs) that is neither --full-refresh nor told to test every row (SHOP_TEST_EVERY_ROW,
        set by the orchestration after a run whose tests did not all pass): the days before
        were tested when they were built, and the run replaced none of them. -#}
    {%- if model.resource_type == "test" -%}
        {{ return(run_window() is not none and not flags.FULL_REFRESH
            and not env_var("SHOP_TEST_EVERY_ROW", "")) }}
    {%- endif -%}
    {{ return(is_incremental()) }}
{%- endmacro %}

{% macro first_rebuilt_day(domain) -%}
    {#- rebuild_from(domain), evaluated before the query of an incremental model's
        incremental run and rendered as a date constant: the storage then skips the older
        row groups of every table filtered by it, which DuckDB does not do with the
        subquery on the build side of a join (fct_visits' join with its attribution: 8 s
        instead of 2 in a daily run at scale 10). The subquery itself elsewhere: while
        parsing (its sources are then the node's dependencies), in tests, in unit tests
        (whose sources are fixtures) and in full builds, which do not filter by it. -#}
    {%- set first_day = rebuild_from(domain) -%}
    {%- if execute and model.resource_type == "model" and is_incremental() -%}
        {%- set value = run_query("select " ~ first_day).columns[0].values()[0] -%}
        {{ return("cast('" ~ value ~ "' as date)" if value is not none else "cast(null as date)") }}
    {%- endif -%}
    {{ return(first_day) }}
{%- endmacro %}

{% macro rebuilt_days_only(day_column, domain) -%}
    {#- Row filter of an incremental fact's inputs, or of a test's (reads_rebuilt_days_only):
        the days the run rebuilds (all on a full build). first_rebuilt_day() is rendered
        before the branch so its sources are seen at parse time. -#}
    {%- set first_day = first_rebuilt_day(domain) -%}
    {%- if reads_rebuilt_days_only() -%}
        {{ day_column }} >= {{ first_day }}
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{% macro rebuilt_shop_days_only(utc_timestamp, domain) -%}
    {#- rebuilt_days_only for a UTC time column (raw): the rows of the shop-local days the
        run rebuilds, after a range filter on the time itself (no time zone is a day or more
        from UTC) that skips the older rows unconverted: the storage prunes them by their
        time instead of converting every row's time to the shop's day. -#}
    {%- if reads_rebuilt_days_only() -%}
        {%- set first_midnight = "cast(" ~ first_rebuilt_day(domain) ~ " as timestamp)" -%}
        {{ utc_timestamp }} >= {{ dbt.dateadd("day", -1, first_midnight) }}
        and
    {%- endif %}
    {{ rebuilt_days_only(shop_date(utc_timestamp), domain) }}
{%- endmacro %}

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
        rebuild_from reads sources only: a ref made while a test executes would not be in
        the test's dependencies. -#}
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
