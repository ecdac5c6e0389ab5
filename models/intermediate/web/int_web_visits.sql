-- Visits (访问次数), one row per visit: the sums of its events (int_web_events_sessionized)
-- and its landing event's own columns from staging (page, referrer, campaign tags, device).
-- visit_id is the landing event's id, so the landing columns join on it; the staging rows
-- are narrowed to the landing events first, which keeps each join's build side small at
-- scale (fct_visits then joins attribution and dimensions to this table). Incremental by
-- day (macro rebuild_from).
{{ config(**incremental_by_day('visit_date', 'web')) }}
with sessions as (

    select * from {{ ref('int_web_events_sessionized') }}
    where {{ rebuilt_days_only('event_date', 'web') }}

),

sums as (

    select
        visit_id,
        visitor_id,
        max(customer_id) as customer_id,
        min(event_at) as visit_start_at,
        max(event_at) as visit_end_at,
        min(event_date) as visit_date,
        count(*) as event_count,
        count(case when event_type = 'page_view' then 1 end) as page_views,
        count(case when event_type = 'page_view' and seconds_to_next_event is not null then 1 end)
            as timed_page_views,
        sum(
            case
                when event_type = 'page_view' then coalesce(seconds_to_next_event, 0) else 0
            end
        ) as time_on_page_seconds,
        count(case when event_type = 'add_to_cart' then 1 end) as add_to_cart_count,
        count(case when event_type = 'checkout_start' then 1 end) as checkout_start_count,
        count(case when event_type = 'order_submit' then 1 end) as orders_placed,
        count(case when event_type = 'payment_result' and is_payment_success then 1 end)
            as payments_succeeded
    from sessions
    group by visit_id, visitor_id

),

landings as (

    select
        event_id as visit_id,
        event_at_local as visit_start_at_local,
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
            select sessions.event_id from sessions
            where sessions.is_visit_start
        )

),

final as (

    select
        sums.visit_id,
        sums.visitor_id,
        sums.customer_id,
        sums.visit_start_at,
        landings.visit_start_at_local,
        sums.visit_end_at,
        sums.visit_date,
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
    from sums
    inner join landings on sums.visit_id = landings.visit_id

)

select * from final
