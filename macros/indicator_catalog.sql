{% macro indicator_period_start(date_column, grain) -%}
    {#- First day of the day, ISO week (Monday) or month that date_column falls in. -#}
    {%- if grain == 'day' -%}
        cast({{ date_column }} as date)
    {%- else -%}
        cast({{ dbt.date_trunc(grain, date_column) }} as date)
    {%- endif -%}
{%- endmacro %}

{% macro indicator_scans(source_model) -%}
    {#- The scans that compute the catalog's indicators on source_model: one per date
        column, grain and slice, each with the catalog entries it computes. An entry joins
        the 'all' scan of a grain when it has a shop-wide total, and the scan of each of
        its slices. A slice that names its own mart (source_model: a finer mart whose rows
        carry the slice, e.g. order lines by the warehouse of their parcel) is scanned
        there, by the same expressions. -#}
    {%- set catalog = indicator_catalog() | selectattr('source_model', 'equalto', source_model)
        | list -%}
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
            {%- for row in members if grain in row['grains'] -%}
                {%- for slice in row['slices'] if slice not in slices -%}
                    {%- do slices.append(slice) -%}
                {%- endfor -%}
            {%- endfor -%}
            {%- for slice in slices -%}
                {%- set scan_members = [] -%}
                {%- for row in members if grain in row['grains']
                    and ((slice == 'all' and row['has_total'])
                        or (slice != 'all' and slice in row['slices'])) -%}
                    {%- do scan_members.append(row) -%}
                {%- endfor -%}
                {%- if scan_members -%}
                    {%- set slice_name = slice['name'] if slice != 'all' else 'all' -%}
                    {%- set slice_expression = slice['expression'] if slice != 'all' else none -%}
                    {%- set scanned = slice.get('source_model') if slice != 'all' else none -%}
                    {%- do scans.append({
                        'source_model': scanned or source_model, 'date_column': date_column,
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

{% macro indicator_values(source_model) -%}
    {#- The rows of fct_indicator_values computed from source_model: its scans (macro
        indicator_scans), each its own aggregation over the mart, unioned. An incremental
        run recomputes the periods from indicator_rebuild_from() of the mart's domain on
        (the model's unique key, grain and period, replaces them). rebuild_from() is
        rendered on every run, parsing included, so the touched days are among the model's
        parents whatever the mart's domain. -#}
    {%- do rebuild_from(["orders", "any"]) -%}
    {%- set first_day = indicator_rebuild_from(indicator_domain(source_model))
        if is_incremental() else none -%}
    {%- for scan in indicator_scans(source_model) %}
    select {{ indicator_value_columns() }}
    from (
        {{ indicator_scan_sql(scan, first_day) | indent(8) }}
    ) as scan_{{ loop.index }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro indicator_value_columns(relation=none) -%}
    {#- The columns of fct_indicator_values and its parts, in order (of relation when given). -#}
    {%- set columns = [
        'indicator_code', 'grain', 'period_start', 'period_end', 'slice_dimension',
        'slice_value', 'indicator_value', 'numerator', 'denominator', 'volume'] -%}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {%- for column in columns %}{{ prefix ~ column }}{{ ', ' if not loop.last }}{% endfor -%}
{%- endmacro %}

{% macro indicator_part_model(source_model) -%}
    {#- The model computing the indicators of one source mart (generated from the catalog,
        orchestration/indicator_catalog.py: part_model). -#}
    {{ return('fct_indicator_values__' ~ (source_model[4:] if source_model.startswith('fct_')
        else source_model)) }}
{%- endmacro %}

{% macro indicator_values_config(source_model) -%}
    {#- A part of fct_indicator_values: an incremental table whose incremental runs replace
        the recomputed periods (unique key grain and period); on Spark, whose Parquet tables
        cannot delete rows, a table rebuilt whole. -#}
    {{ return(adapter.dispatch("indicator_values_config")(source_model)) }}
{%- endmacro %}

{% macro default__indicator_values_config(source_model) -%}
    {{ return({
        "materialized": "incremental",
        "incremental_strategy": "delete+insert",
        "unique_key": ["grain", "period_start"],
        "on_schema_change": "fail",
    }) }}
{%- endmacro %}

{% macro spark__indicator_values_config(source_model) -%}
    {{ return({"materialized": "table"}) }}
{%- endmacro %}
