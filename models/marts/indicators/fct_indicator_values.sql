{#- The marts the catalog's indicators read (dbt needs to know them before it reads the
    catalog). An indicator on another mart needs that mart listed here. -#}
-- depends_on: {{ ref('fct_orders') }}
-- depends_on: {{ ref('fct_sales_daily') }}
-- depends_on: {{ ref('fct_order_lines') }}
-- depends_on: {{ ref('fct_sku_daily') }}
-- depends_on: {{ ref('fct_category_concentration_daily') }}
-- depends_on: {{ ref('fct_inventory_daily') }}
-- depends_on: {{ ref('fct_shipments') }}
-- depends_on: {{ ref('fct_inbound_receipts') }}
-- depends_on: {{ ref('fct_warehouse_daily') }}
-- depends_on: {{ ref('fct_visitor_daily') }}
-- depends_on: {{ ref('fct_visits') }}
-- depends_on: {{ ref('fct_page_views') }}
-- depends_on: {{ ref('fct_campaign_performance_daily') }}
-- depends_on: {{ ref('fct_customer_daily') }}
-- depends_on: {{ ref('fct_customer_acquisition_daily') }}
-- depends_on: {{ ref('fct_customer_rfm') }}
-- depends_on: {{ ref('fct_customer_lifetime') }}
-- depends_on: {{ ref('fct_market_monthly') }}
-- depends_on: {{ ref('fct_site_rank_monthly') }}
-- depends_on: {{ ref('fct_site_probes') }}
-- depends_on: {{ ref('fct_method_mix_daily') }}
-- depends_on: {{ ref('fct_operating_environment_daily') }}
-- The indicator layer (指标体系): every indicator of seed indicator_catalog at day, ISO week
-- and month grain, in total and per slice, as one long table. Each catalog row carries
-- its SQL: aggregate expressions (numerator, denominator, volume) over its source mart,
-- evaluated on the mart's rows of each period, so every grain is computed from the rows
-- and not from finer values: sums add up, ratios are sum over sum, distinct counts are
-- recounted and percentiles recomputed. {period_start} in an expression stands for the
-- period's first day. Indicators that share a source mart are computed in one scan per
-- grain and slice.
{%- set catalog = indicator_catalog() %}
{%- set sources = [] %}
{%- for row in catalog %}
    {%- set source = row['source_model'] ~ '|' ~ row['date_column'] %}
    {%- if source not in sources %}{% do sources.append(source) %}{% endif %}
{%- endfor %}
{%- set scans = [] %}
with
{%- for source in sources %}
    {%- set source_index = loop.index %}
    {%- set source_model, date_column = source.split('|') %}
    {%- set members = catalog | selectattr('source_model', 'equalto', source_model)
        | selectattr('date_column', 'equalto', date_column) | list %}
    {%- for grain in ['day', 'week', 'month'] %}
        {%- set period = indicator_period_start(date_column, grain) %}
        {%- set slices = ['all'] %}
        {%- for row in members if grain in indicator_list(row['grains']) %}
            {%- for slice in indicator_list(row['slices']) if slice not in slices %}
                {%- do slices.append(slice) %}
            {%- endfor %}
        {%- endfor %}
        {%- for slice in slices %}
            {%- set scan_members = [] %}
            {%- for row in members if grain in indicator_list(row['grains'])
                and ((slice == 'all' and row['has_total'])
                    or (slice != 'all' and slice in indicator_list(row['slices']))) %}
                {%- do scan_members.append(row) %}
            {%- endfor %}
            {%- if scan_members %}
                {%- set scan = 'scan_' ~ source_index ~ '_' ~ grain ~ '_' ~ loop.index %}
                {%- set slice_name, slice_expression = indicator_slice(slice) %}
                {%- do scans.append({'name': scan, 'grain': grain, 'slice': slice_name, 'members': scan_members}) %}
    {{ scan }} as (

        select
            {{ period }} as period_start,
            {{ "'all'" if slice == 'all' else 'cast(' ~ slice_expression ~ ' as ' ~ dbt.type_string() ~ ')' }}
                as slice_value
            {%- for row in scan_members %},
            {{ row['numerator_sql'] | replace('{period_start}', period) }} as numerator_{{ loop.index }},
            {{ (row['denominator_sql'] or 'null') | replace('{period_start}', period) }}
                as denominator_{{ loop.index }},
            {{ (row['volume_sql'] or row['denominator_sql'] or row['numerator_sql'])
                | replace('{period_start}', period) }} as volume_{{ loop.index }}
            {%- endfor %}
        from {{ ref(source_model) }}
        group by {{ period }}{{ ', ' ~ slice_expression if slice != 'all' }}

    ),
            {%- endif %}
        {%- endfor %}
    {%- endfor %}
{%- endfor %}

observations as (

    {%- for scan in scans %}
        {%- set outer = loop %}
        {%- for row in scan['members'] %}
    select
        '{{ row['indicator_code'] }}' as indicator_code,
        '{{ scan['grain'] }}' as grain,
        period_start,
        '{{ scan['slice'] }}' as slice_dimension,
        slice_value,
        '{{ row['aggregation'] }}' as aggregation,
        cast(numerator_{{ loop.index }} as {{ type_double() }}) as numerator,
        cast(denominator_{{ loop.index }} as {{ type_double() }}) as denominator,
        cast(volume_{{ loop.index }} as {{ type_double() }}) as volume
    from {{ scan['name'] }}
    {{ 'union all' if not (outer.last and loop.last) }}
        {%- endfor %}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as indicator_code,
        cast(null as {{ dbt.type_string() }}) as grain,
        cast(null as date) as period_start,
        cast(null as {{ dbt.type_string() }}) as slice_dimension,
        cast(null as {{ dbt.type_string() }}) as slice_value,
        cast(null as {{ dbt.type_string() }}) as aggregation,
        cast(null as {{ type_double() }}) as numerator,
        cast(null as {{ type_double() }}) as denominator,
        cast(null as {{ type_double() }}) as volume
    where 1 = 0
    {%- endfor %}

),

final as (

    select
        indicator_code,
        grain,
        period_start,
        case grain
            when 'day' then period_start
            when 'week' then cast({{ dbt.dateadd('day', 6, 'period_start') }} as date)
            else cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'period_start')) }} as date)
        end as period_end,
        slice_dimension,
        slice_value,
        case
            when aggregation = 'ratio' then numerator / nullif(denominator, 0)
            else numerator
        end as indicator_value,
        numerator,
        denominator,
        volume
    from observations

)

select * from final
