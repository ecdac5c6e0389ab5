{#- The marts the catalog's indicators read (dbt needs to know them before it reads the
    catalog). An indicator on another mart needs that mart listed here. -#}
-- depends_on: {{ ref('indicator_catalog') }}
-- depends_on: {{ ref('indicator_availability') }}
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
-- depends_on: {{ source('web', 'events') }}
-- depends_on: {{ ref('stg_shop__orders') }}
{{ config(**indicator_values_config()) }}
-- The indicator layer (指标体系): every indicator of seed indicator_catalog at day, ISO week
-- and month grain, in total and per slice, as one long table. Each catalog row carries
-- its SQL: aggregate expressions (numerator, denominator, volume) over its source mart,
-- evaluated on the mart's rows of each period, so every grain is computed from the rows
-- and not from finer values: sums add up, ratios are sum over sum, distinct counts are
-- recounted and percentiles recomputed. {period_start} in an expression stands for the
-- period's first day. Indicators that share a source mart, grain and slice are computed in
-- one scan (macro indicator_scan_sql). The model creates the empty table; its post-hook
-- (insert_indicator_values) inserts the scans one by one, which bounds memory by the
-- largest scan rather than by all of them. Incremental: a daily run recomputes the periods
-- of a source mart's indicators from the month of the first day its loads touched in the
-- mart's domain (macros indicator_rebuild_from, indicator_domain). Indicators that are not
-- available (indicator_availability: a raw table they need was never delivered) get no
-- rows at all, rather than zeros.
select
    cast(null as {{ dbt.type_string() }}) as indicator_code,
    cast(null as {{ dbt.type_string() }}) as grain,
    cast(null as date) as period_start,
    cast(null as date) as period_end,
    cast(null as {{ dbt.type_string() }}) as slice_dimension,
    cast(null as {{ dbt.type_string() }}) as slice_value,
    cast(null as {{ type_double() }}) as indicator_value,
    cast(null as {{ type_double() }}) as numerator,
    cast(null as {{ type_double() }}) as denominator,
    cast(null as {{ type_double() }}) as volume
where 1 = 0
