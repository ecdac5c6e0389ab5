{% macro union_by_month(relation, day_column) -%}
    {#- Call block: the union all of its body once per calendar month of the days of
        `relation` (its column day_column), the body receiving the month to filter its own
        day columns to (macro rebuilt_days_in_month, or in_month), e.g.
        `{% call(month) union_by_month(ref('x'), 'day') %} ... where
        {{ rebuilt_days_in_month(['x.day'], 'web', month) }} {% endcall %}`. For large joins
        whose rows pair within a day: DuckDB has been seen to run the branches one after
        another, each holding one month's hash table in memory instead of the whole
        history's, which at scale spills tens of GB to disk (fct_page_views' join at scale
        10, in one query; the benchmark's peak memory per node keeps checking it). The
        first branch also takes the days before the first month and null days, the last
        the days after the last month, so that no row is lost. Only a first or full-refresh build of a model on
        DuckDB is split (macro month_chunks): an incremental run rebuilds a few days, and
        other engines and unit tests get the body once. -#}
    {%- for month in month_chunks(relation, day_column) %}
    {{- "\n    union all\n" if not loop.first }}
    select * from (
        {{ caller(month) }}
    ) as month_{{ loop.index }}
    {%- endfor %}
{%- endmacro %}

{% macro month_chunks(relation, day_column) -%}
    {#- The months union_by_month splits its body into, as (first day, first day of the
        next month) date strings, none for the open ends (macro in_month); [none] (one
        branch, every day) unless it is a model's full build on DuckDB with the relation
        built (not while linting). -#}
    {%- if is_incremental() or not execute or model.resource_type != "model"
        or load_relation(relation) is none -%}
        {{ return([none]) }}
    {%- endif -%}
    {{ return(adapter.dispatch("month_chunks")(relation, day_column)) }}
{%- endmacro %}

{% macro default__month_chunks(relation, day_column) -%}
    {{ return([none]) }}
{%- endmacro %}

{% macro duckdb__month_chunks(relation, day_column) -%}
    {%- set bounds = run_query(
        "select min(" ~ day_column ~ "), max(" ~ day_column ~ ") from " ~ relation
    ).rows[0] -%}
    {%- if bounds[0] is none -%}
        {{ return([none]) }}
    {%- endif -%}
    {%- set first, last = bounds[0], bounds[1] -%}
    {%- set count = (last.year - first.year) * 12 + last.month - first.month + 1 -%}
    {%- set starts = [] -%}
    {%- for index in range(count + 1) -%}
        {%- set month = first.month - 1 + index -%}
        {%- do starts.append("%04d-%02d-01" % (first.year + month // 12, month % 12 + 1)) -%}
    {%- endfor -%}
    {#- open-ended at both ends: no day falls outside the branches -#}
    {%- set starts = [none] + starts[1:-1] + [none] -%}
    {{ return(zip(starts[:-1], starts[1:]) | list) }}
{%- endmacro %}

{% macro in_month(day_column, month) -%}
    {#- True for the days of `month`, a month_chunks pair (first day, first day of the next
        month): the first pair (none, …) also takes every earlier and null day, the last
        (…, none) every later day; every day for none. -#}
    {%- if not month or month[0] is none and month[1] is none -%}
        1 = 1
    {%- elif month[0] is none -%}
        ({{ day_column }} < cast('{{ month[1] }}' as date) or {{ day_column }} is null)
    {%- elif month[1] is none -%}
        {{ day_column }} >= cast('{{ month[0] }}' as date)
    {%- else -%}
        {{ day_column }} >= cast('{{ month[0] }}' as date)
        and {{ day_column }} < cast('{{ month[1] }}' as date)
    {%- endif -%}
{%- endmacro %}

{% macro rebuilt_days_in_month(day_columns, domain, month) -%}
    {#- Row filter of a union_by_month branch joining facts by day: each of day_columns
        within the days the run rebuilds (macro rebuilt_days_only) and within the branch's
        month (macro in_month). -#}
    {%- for day_column in day_columns -%}
        {{ rebuilt_days_only(day_column, domain) }}
        and {{ in_month(day_column, month) }}
        {{- "\n        and " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
