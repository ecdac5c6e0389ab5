{#- Row filters of incremental models and of their tests: the days the run rebuilds. -#}

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
        subquery on the build side of a join (fct_visits' join with its attribution). The
        subquery itself elsewhere: while parsing (its ref
        then makes stg_pipeline__touched_days a parent of the node), in tests, in unit
        tests (whose inputs are fixtures) and in full builds, which do not filter by it. -#}
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
        before the branch so its ref is seen at parse time. -#}
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
