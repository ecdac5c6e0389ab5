{%- set headlines = [
    'gmv', 'net_sales', 'total_orders', 'valid_orders', 'valid_order_rate', 'aov',
    'gross_margin', 'visits', 'unique_visitors', 'new_visitors', 'bounce_rate',
    'order_conversion_rate', 'new_customers', 'returning_customers', 'cac', 'marketing_cost',
    'roi', 'return_rate', 'order_to_receipt_h', 'site_availability',
] -%}
{{ config(materialized='view') }}
-- KPI overview for BI (核心指标总览): one row per grain (day, week, month) and period, one
-- column per headline indicator (shop-wide totals of fct_indicator_values).
with indicator_values as (

    select * from {{ ref('fct_indicator_values') }}
    where slice_dimension = 'all'

),

final as (

    select
        grain,
        period_start,
        period_end,
    {%- for code in headlines %}
        max(case when indicator_code = '{{ code }}' then indicator_value end) as {{ code }}
        {{- ',' if not loop.last }}
    {%- endfor %}
    from indicator_values
    group by grain, period_start, period_end

)

select * from final
