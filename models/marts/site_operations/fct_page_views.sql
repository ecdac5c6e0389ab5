-- Traffic (网站流量指标), one row per page view (浏览量 PV) with its time on page: seconds to
-- the next event of the same visit (null on a visit's last event, which has none); the
-- exit page is the visit's last page view. Incremental by day (macro rebuild_from).
{{ config(**incremental_by_day('viewed_date', 'web')) }}
with events as (

    select * from {{ ref('int_web_events_visited') }}
    where {{ rebuilt_days_only('event_date', 'web') }}

),

customers as (

    select * from {{ ref('dim_customer') }}

),

products as (

    select * from {{ ref('dim_product') }}

),

final as (

    select
        events.event_id,
        events.visit_id,
        events.visitor_id,
        coalesce(customers.customer_key, {{ unknown_key() }}) as customer_key,
        events.event_at as viewed_at,
        events.event_at_local as viewed_at_local,
        events.event_date as viewed_date,
        events.page_type,
        events.page_url,
        events.device,
        case
            when events.sku_id is null then null
            else coalesce(products.product_key, {{ unknown_key() }})
        end as product_key,
        events.sku_id,
        events.page_load_ms,
        events.is_visit_start as is_landing_page,
        events.seconds_to_next_event as time_on_page_seconds,
        events.is_exit_page
    from events
    left join customers on events.customer_id = customers.customer_id
    left join products on events.sku_id = products.sku_id
    where events.event_type = 'page_view'

)

select * from final
