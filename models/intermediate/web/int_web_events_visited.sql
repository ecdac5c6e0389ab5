-- Web events with the visit each belongs to: staging's event columns plus the visit
-- columns of int_web_events_sessionized (a view, read by fct_page_views: a page view needs
-- nearly every event column, which the sessionization passes do not carry).
with events as (

    select * from {{ ref('stg_web__events') }}

),

sessions as (

    select * from {{ ref('int_web_events_sessionized') }}

),

final as (

    select
        sessions.visit_id,
        sessions.is_visit_start,
        sessions.seconds_to_next_event,
        sessions.is_exit_page,
        events.event_id,
        events.event_at,
        events.event_at_local,
        events.event_date,
        events.visitor_id,
        events.customer_id,
        events.event_type,
        events.page_type,
        events.page_url,
        events.referrer_url,
        events.utm_source,
        events.utm_medium,
        events.utm_campaign,
        events.device,
        events.sku_id,
        events.order_id,
        events.is_payment_success,
        events.page_load_ms
    from events
    inner join sessions on events.event_id = sessions.event_id

)

select * from final
