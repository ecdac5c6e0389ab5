{% macro indicator_catalog() -%}
    {#- The rows of seed indicator_catalog as a list of dicts (column → value), read from the
        warehouse when dbt executes; an empty list while parsing or before the seed is
        loaded, which renders the indicator models as an empty, typed skeleton. -#}
    {%- set catalog = ref('indicator_catalog') -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set relation = load_relation(catalog) -%}
    {%- if relation is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set table = run_query('select * from ' ~ relation ~ ' order by indicator_code') -%}
    {%- set rows = [] -%}
    {%- for row in table.rows -%}
        {%- do rows.append(dict(zip(table.column_names, row.values()))) -%}
    {%- endfor -%}
    {{ return(rows) }}
{%- endmacro %}

{% macro indicator_period_start(date_column, grain) -%}
    {#- First day of the day, ISO week (Monday) or month that date_column falls in. -#}
    {%- if grain == 'day' -%}
        cast({{ date_column }} as date)
    {%- else -%}
        cast({{ dbt.date_trunc(grain, date_column) }} as date)
    {%- endif -%}
{%- endmacro %}

{% macro indicator_list(text) -%}
    {#- A ';'-separated catalog cell as a list (empty cell → empty list). -#}
    {{ return((text or '').split(';') | map('trim') | reject('equalto', '') | list) }}
{%- endmacro %}

{% macro indicator_slice(entry) -%}
    {#- A slice of the catalog's slices cell as (dimension name, SQL expression): a column
        name stands for itself; name:expression names an expression. -#}
    {%- set name, _, expression = entry.partition(':') -%}
    {{ return((name | trim, (expression or name) | trim)) }}
{%- endmacro %}

{% macro indicator_scans(skip=[]) -%}
    {#- The scans that compute the catalog: one per source mart (and date column), grain and
        slice, each with the catalog rows it computes (except the indicators in skip). A
        row joins the 'all' scan of a grain when it has a shop-wide total, and the scan of
        each of its slices. -#}
    {%- set catalog = indicator_catalog() | rejectattr('indicator_code', 'in', skip) | list -%}
    {%- set sources = [] -%}
    {%- for row in catalog -%}
        {%- set source = (row['source_model'], row['date_column']) -%}
        {%- if source not in sources %}{% do sources.append(source) %}{% endif -%}
    {%- endfor -%}
    {%- set scans = [] -%}
    {%- for source_model, date_column in sources -%}
        {%- set members = catalog | selectattr('source_model', 'equalto', source_model)
            | selectattr('date_column', 'equalto', date_column) | list -%}
        {%- for grain in ['day', 'week', 'month'] -%}
            {%- set slices = ['all'] -%}
            {%- for row in members if grain in indicator_list(row['grains']) -%}
                {%- for slice in indicator_list(row['slices']) if slice not in slices -%}
                    {%- do slices.append(slice) -%}
                {%- endfor -%}
            {%- endfor -%}
            {%- for slice in slices -%}
                {%- set scan_members = [] -%}
                {%- for row in members if grain in indicator_list(row['grains'])
                    and ((slice == 'all' and row['has_total'])
                        or (slice != 'all' and slice in indicator_list(row['slices']))) -%}
                    {%- do scan_members.append(row) -%}
                {%- endfor -%}
                {%- if scan_members -%}
                    {%- set slice_name, slice_expression = indicator_slice(slice) -%}
                    {%- do scans.append({
                        'source_model': source_model, 'date_column': date_column,
                        'grain': grain, 'slice': slice_name,
                        'slice_expression': slice_expression, 'members': scan_members}) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(scans) }}
{%- endmacro %}

{% macro indicator_scan_sql(scan, first_day=none) -%}
    {#- The rows of fct_indicator_values one scan computes: the source mart grouped by
        period (and slice), every member's numerator, denominator and volume expression
        evaluated on the period's rows, then one row per member. With first_day, only the
        periods that contain it or come after it. -#}
    {%- set period = indicator_period_start(scan['date_column'], scan['grain']) -%}
    {%- set total = scan['slice'] == 'all' -%}
    with scan as (

        select
            {{ period }} as period_start,
            {{ "'all'" if total else 'cast(' ~ scan['slice_expression'] ~ ' as ' ~ dbt.type_string() ~ ')' }}
                as slice_value
            {%- for row in scan['members'] %},
            {{ row['numerator_sql'] | replace('{period_start}', period) }} as numerator_{{ loop.index }},
            {{ (row['denominator_sql'] or 'cast(null as ' ~ type_double() ~ ')') | replace('{period_start}', period) }}
                as denominator_{{ loop.index }},
            {{ (row['volume_sql'] or row['denominator_sql'] or row['numerator_sql'])
                | replace('{period_start}', period) }} as volume_{{ loop.index }}
            {%- endfor %}
        from {{ ref(scan['source_model']) }}
        {%- if first_day %}
        where {{ scan['date_column'] }} >= {{ indicator_period_start(first_day, scan['grain']) }}
        {%- endif %}
        group by {{ period }}{{ '' if total else ', ' ~ scan['slice_expression'] }}

    ),

    members as (
        {%- for row in scan['members'] %}
        select
            {{ loop.index }} as member,
            '{{ row['indicator_code'] }}' as indicator_code,
            '{{ row['aggregation'] }}' as aggregation
        {{ 'union all' if not loop.last }}
        {%- endfor %}
    ),

    observations as (

        select
            members.indicator_code,
            members.aggregation,
            scan.period_start,
            scan.slice_value,
            {%- for part in ['numerator', 'denominator', 'volume'] %}
            cast(case members.member
                {%- for row in scan['members'] %}
                when {{ loop.index }} then scan.{{ part }}_{{ loop.index }}
                {%- endfor %}
            end as {{ type_double() }}) as {{ part }}{{ ',' if not loop.last }}
            {%- endfor %}
        from scan
        cross join members

    )

    select
        indicator_code,
        '{{ scan['grain'] }}' as grain,
        period_start,
        {{ indicator_period_end('period_start', scan['grain']) }} as period_end,
        '{{ scan['slice'] }}' as slice_dimension,
        slice_value,
        case when aggregation = 'ratio' then numerator / nullif(denominator, 0) else numerator end
            as indicator_value,
        numerator,
        denominator,
        volume
    from observations
{%- endmacro %}

{% macro indicator_period_end(period_start, grain) -%}
    {#- Last day of the day, ISO week or month starting at period_start. -#}
    {%- if grain == 'day' -%}
        {{ period_start }}
    {%- elif grain == 'week' -%}
        cast({{ dbt.dateadd('day', 6, period_start) }} as date)
    {%- else -%}
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, period_start)) }} as date)
    {%- endif -%}
{%- endmacro %}

{% macro indicator_rebuild_from(domain) -%}
    {#- First day whose periods an incremental run of fct_indicator_values recomputes from a
        mart of domain (macro indicator_domain): the first day of the month of the earliest
        day the run's loads touched in that domain, or of its window start when earlier.
        None, to compute every period, on a run without a window. -#}
    {%- set window = run_window() -%}
    {%- if not window -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set window_start = "cast('" ~ window[0] ~ "' as date)" -%}
    {%- set earliest -%}
        least({{ window_start }}, coalesce({{ rebuild_from(domain) }}, {{ window_start }}))
    {%- endset -%}
    {%- set first_day = run_query(
        "select " ~ indicator_period_start(earliest, "month")
    ).columns[0].values()[0] -%}
    {{ return("cast('" ~ first_day ~ "' as date)") }}
{%- endmacro %}

{% macro indicator_domain(source_model) -%}
    {#- The loads that can change a source mart's rows: a fact rebuilt by day keeps its days
        before the first its domain's loads touched (meta.rebuilt_by_day: the web facts
        change from the day of the new events, not from that of the oldest late delivery);
        any other mart, the loads of orders and of any raw row with an event time (which
        covers the web and inventory facts' days). -#}
    {%- set node = graph.nodes.values() | selectattr("resource_type", "equalto", "model")
        | selectattr("name", "equalto", source_model) | first -%}
    {%- set rebuilt = (node.config.meta or {}).get("rebuilt_by_day") -%}
    {{ return(rebuilt.domain if rebuilt else ["orders", "any"]) }}
{%- endmacro %}

{% macro indicator_values_config() -%}
    {#- fct_indicator_values: an incremental table whose post-hook deletes and recomputes
        periods; on Spark, whose Parquet tables cannot delete rows, a table rebuilt whole. -#}
    {{ return(adapter.dispatch("indicator_values_config")()) }}
{%- endmacro %}

{% macro default__indicator_values_config() -%}
    {{ return({
        "materialized": "incremental",
        "incremental_strategy": "append",
        "on_schema_change": "fail",
        "post_hook": "{{ insert_indicator_values() }}",
    }) }}
{%- endmacro %}

{% macro spark__indicator_values_config() -%}
    {{ return({"materialized": "table", "post_hook": "{{ insert_indicator_values() }}"}) }}
{%- endmacro %}

{% macro insert_indicator_values() -%}
    {#- Post-hook of fct_indicator_values: fill it one scan at a time, so that one scan's
        aggregation state (distinct visitors, percentile values) is in memory at once rather
        than all of them, as a single union of every scan would need. An incremental run
        first deletes, then recomputes, the periods of each source mart's indicators from
        indicator_rebuild_from() of the mart's domain on. -#}
    {%- if execute -%}
        {#- a new (or, on Spark, rebuilt) table is empty: every period is computed -#}
        {%- set filled = run_query("select count(*) from " ~ this).columns[0].values()[0] > 0 -%}
        {#- indicators whose raw tables were never delivered: no rows (those of an earlier
            run, when the shop delivered them then, are deleted) -#}
        {%- set unavailable = unavailable_indicators() -%}
        {%- if filled and unavailable -%}
            {%- do run_query("delete from " ~ this ~ " where indicator_code in ('"
                ~ unavailable | join("', '") ~ "')") -%}
        {%- endif -%}
        {#- the first rebuilt day of each source mart (one query per domain), and the
            indicators recomputed from each such day -#}
        {%- set by_domain = {} -%}
        {%- set first_days = {} -%}
        {%- set codes_from = {} -%}
        {%- for row in indicator_catalog() if filled -%}
            {%- set source_model = row["source_model"] -%}
            {%- if source_model not in first_days -%}
                {%- set domain = indicator_domain(source_model) -%}
                {%- if domain | string not in by_domain -%}
                    {%- do by_domain.update({domain | string: indicator_rebuild_from(domain)}) -%}
                {%- endif -%}
                {%- do first_days.update({source_model: by_domain[domain | string]}) -%}
            {%- endif -%}
            {%- set codes = codes_from.setdefault(first_days[source_model], []) -%}
            {%- do codes.append(row["indicator_code"]) -%}
        {%- endfor -%}
        {%- for first_day, codes in codes_from.items() -%}
            {%- if first_day -%}
                {%- for grain in ["day", "week", "month"] -%}
                    {%- do run_query(
                        "delete from " ~ this ~ " where grain = '" ~ grain ~ "' and period_start >= "
                        ~ indicator_period_start(first_day, grain)
                        ~ " and indicator_code in ('" ~ codes | join("', '") ~ "')"
                    ) -%}
                {%- endfor -%}
            {%- else -%}
                {%- do run_query("delete from " ~ this) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for scan in indicator_scans(unavailable) -%}
            {%- do run_query('insert into ' ~ this ~ ' '
                ~ indicator_scan_sql(scan, first_days.get(scan["source_model"]))) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{% macro unavailable_indicators() -%}
    {#- The codes of the catalog's indicators that are not available (indicator_availability),
        read when dbt executes; an empty list while parsing. -#}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set table = run_query(
        "select indicator_code from " ~ ref('indicator_availability')
        ~ " where status = 'not_available' order by indicator_code"
    ) -%}
    {{ return(table.columns[0].values() | list) }}
{%- endmacro %}
