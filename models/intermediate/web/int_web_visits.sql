-- Visits (访问次数), one row per visit: its landing event's own columns from staging (start,
-- visitor, page, referrer, campaign tags, device) and the sums of its events
-- (int_web_visits_summed). visit_id is the landing event's id, so they join on it; the
-- staging rows are narrowed to the landing events first, which keeps the join's inputs
-- small at scale (fct_visits then adds attribution and dimensions). Incremental by day
-- (macro rebuild_from).
{{ config(**incremental_by_day('visit_date', 'web')) }}
with sums as (

    select * from {{ ref('int_web_visits_summed') }}
    where {{ rebuilt_days_only('visit_date', 'web') }}

),

landings as (

    select
        event_id as visit_id,
        visitor_id,
        event_at as visit_start_at,
        event_at_local as visit_start_at_local,
        event_date as visit_date,
        page_type as landing_page_type,
        page_url as landing_page_url,
        referrer_url,
        utm_source,
        utm_medium,
        utm_campaign,
        device
    from {{ ref('stg_web__events') }}
    where
        {{ rebuilt_days_only('event_date', 'web') }}
        and event_id in (
            select sessions.event_id from {{ ref('int_web_events_sessionized') }} as sessions
            where
                sessions.is_visit_start
                and {{ rebuilt_days_only('sessions.event_date', 'web') }}
        )

),

final as (

    select
        landings.visit_id,
        landings.visitor_id,
        sums.customer_id,
        landings.visit_start_at,
        landings.visit_start_at_local,
        sums.visit_end_at,
        landings.visit_date,
        landings.device,
        landings.landing_page_type,
        landings.landing_page_url,
        landings.referrer_url,
        landings.utm_source,
        landings.utm_medium,
        landings.utm_campaign,
        sums.event_count,
        sums.page_views,
        sums.timed_page_views,
        sums.time_on_page_seconds,
        sums.add_to_cart_count,
        sums.checkout_start_count,
        sums.orders_placed,
        sums.payments_succeeded
    from landings
    inner join sums on landings.visit_id = sums.visit_id

)

select * from final
