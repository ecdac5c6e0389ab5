-- RFM (客户价值 RFM), one row per customer per monthly snapshot: at the snapshot date (the
-- month's last day, or the last day with orders for the current month), recency (days since
-- the last valid order), frequency (valid orders so far) and monetary value (net sales so
-- far), each scored 1-5 by quintile within the snapshot (5 = best; equal values get equal
-- scores), and the named segment of the recency × frequency grid in seed rfm_segments.
-- Incremental by snapshot month: a run rebuilds the snapshots from the month of the first
-- order day its loads touched (macro first_rebuilt_day), and the last snapshot built before,
-- whose date moves with the last order day. The orders of the months before count in the
-- first rebuilt month: a snapshot sums every order up to its date.
{{ config(**incremental_by_day('snapshot_month_start_date', 'orders', 'snapshot_date')) }}
{%- set first_month -%}
    least(
        cast({{ dbt.date_trunc('month', first_rebuilt_day('orders')) }} as date),
        (select max(snapshot_month_start_date) from {{ this }})
    )
{%- endset %}
{%- set order_month = "cast(" ~ dbt.date_trunc('month', 'placed_date') ~ " as date)" %}
with valid_orders as (

    select
        customer_id,
        customer_key,
        placed_date,
        {% if is_incremental() -%}
            greatest({{ order_month }}, {{ first_month }}) as month_start_date,
        {%- else -%}
            {{ order_month }} as month_start_date,
        {%- endif %}
        net_sales
    from {{ ref('fct_orders') }}
    where is_valid and customer_id is not null

),

segments as (

    select * from {{ ref('rfm_segments') }}

),

bounds as (

    select
        min(month_start_date) as first_month_start_date,
        max(placed_date) as last_order_date
    from valid_orders

),

snapshots as (

    select
        calendar.month_start_date,
        max(calendar.date_day) as snapshot_date
    from {{ ref('dim_date') }} as calendar
    inner join bounds
        on
            calendar.month_start_date >= bounds.first_month_start_date
            and calendar.date_day <= bounds.last_order_date
    group by calendar.month_start_date

),

customer_months as (

    select
        customer_id,
        customer_key,
        month_start_date,
        count(*) as valid_orders,
        sum(net_sales) as net_sales,
        max(placed_date) as last_order_date
    from valid_orders
    group by customer_id, customer_key, month_start_date

),

customers as (

    select
        customer_id,
        customer_key,
        min(month_start_date) as first_month_start_date
    from customer_months
    group by customer_id, customer_key

),

cumulative as (

    select
        customers.customer_id,
        customers.customer_key,
        snapshots.month_start_date,
        snapshots.snapshot_date,
        sum(coalesce(customer_months.valid_orders, 0)) over customer_history as frequency,
        sum(coalesce(customer_months.net_sales, 0)) over customer_history as monetary,
        max(customer_months.last_order_date) over customer_history as last_order_date
    from customers
    inner join snapshots on customers.first_month_start_date <= snapshots.month_start_date
    left join customer_months
        on
            customers.customer_id = customer_months.customer_id
            and snapshots.month_start_date = customer_months.month_start_date
    window customer_history as (
        partition by customers.customer_id
        order by snapshots.month_start_date
        rows between unbounded preceding and current row
    )

),

recency as (

    select
        *,
        {{ days_between('last_order_date', 'snapshot_date') }} as recency_days
    from cumulative

),

scored as (

    select
        *,
        {{ quintile_score('recency_days', 'month_start_date', descending=true) }} as r_score,
        {{ quintile_score('frequency', 'month_start_date') }} as f_score,
        {{ quintile_score('monetary', 'month_start_date') }} as m_score
    from recency

),

final as (

    select
        scored.customer_key,
        scored.customer_id,
        scored.month_start_date as snapshot_month_start_date,
        scored.snapshot_date,
        scored.last_order_date,
        scored.recency_days,
        scored.frequency,
        scored.monetary,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        cast(scored.r_score as {{ dbt.type_string() }})
        || cast(scored.f_score as {{ dbt.type_string() }})
        || cast(scored.m_score as {{ dbt.type_string() }}) as rfm_cell,
        segments.segment as rfm_segment,
        segments.segment_name_zh as rfm_segment_name_zh
    from scored
    inner join segments
        on
            scored.r_score between segments.r_score_min and segments.r_score_max
            and scored.f_score between segments.f_score_min and segments.f_score_max

)

select * from final
