-- Traffic (网站流量指标), one row per page view (浏览量 PV) with its time on page: seconds to
-- the next event of the same visit (null on a visit's last event, which has none); the
-- exit page is the visit's last page view. The event's visit columns
-- (int_web_events_sessionized) joined to its staging columns on event_id, month by month
-- (macro union_by_month: an event and its sessionization row share their day, and one
-- month's join fits in memory where the whole history's spills). Incremental by day (macro
-- rebuild_from).
{{ config(**incremental_by_day('viewed_date', 'web')) }}
with customers as (

    select * from {{ ref('dim_customer') }}

),

products as (

    select * from {{ ref('dim_product') }}

),

page_views as (

    {% call(month) union_by_month(ref('stg_web__events'), 'event_date') %}
    select
        sessions.event_id,
        sessions.visit_id,
        sessions.is_visit_start,
        sessions.seconds_to_next_event,
        sessions.is_exit_page,
        events.visitor_id,
        events.customer_id,
        events.event_at,
        events.event_at_local,
        events.event_date,
        events.page_type,
        events.page_url,
        events.device,
        events.sku_id,
        events.page_load_ms
    from {{ ref('int_web_events_sessionized') }} as sessions
    inner join {{ ref('stg_web__events') }} as events on sessions.event_id = events.event_id
    where
        sessions.event_type = 'page_view'
        and {{ rebuilt_days_in_month(['sessions.event_date', 'events.event_date'], 'web', month) }}
    {% endcall %}

),

final as (

    select
        page_views.event_id,
        page_views.visit_id,
        page_views.visitor_id,
        coalesce(customers.customer_key, {{ unknown_key() }}) as customer_key,
        page_views.event_at as viewed_at,
        page_views.event_at_local as viewed_at_local,
        page_views.event_date as viewed_date,
        page_views.page_type,
        page_views.page_url,
        page_views.device,
        case
            when page_views.sku_id is null then null
            else coalesce(products.product_key, {{ unknown_key() }})
        end as product_key,
        page_views.sku_id,
        page_views.page_load_ms,
        page_views.is_visit_start as is_landing_page,
        page_views.seconds_to_next_event as time_on_page_seconds,
        page_views.is_exit_page
    from page_views
    left join customers on page_views.customer_id = customers.customer_id
    left join products on page_views.sku_id = products.sku_id

)

select * from final
