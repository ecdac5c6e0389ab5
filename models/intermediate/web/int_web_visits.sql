-- Visits (访问次数), one row per visit: its landing event's own columns from staging (start,
-- visitor, page, referrer, campaign tags, device), the channel they give (macro
-- traffic_channel) and the sums of its events (int_web_visits_summed). visit_id is the
-- landing event's id, so they join on it; the staging rows are narrowed to the landing
-- events first, and a full build joins month by month (macro union_by_month: a visit lies
-- in one day), which keeps the join's inputs small at scale (fct_visits then adds
-- attribution and dimensions). Incremental by day (macro rebuild_from).
{{ config(**incremental_by_day('visit_date', 'web')) }}
{% call(month) union_by_month(ref('int_web_visits_summed'), 'visit_date') %}
with sums as (

    select * from {{ ref('int_web_visits_summed') }}
    where
        {{ rebuilt_days_in_month(['visit_date'], 'web', month) }}

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
        {{ rebuilt_days_in_month(['event_date'], 'web', month) }}
        and event_id in (
            select sessions.event_id from {{ ref('int_web_events_sessionized') }} as sessions
            where
                sessions.is_visit_start
                and {{ rebuilt_days_in_month(['sessions.event_date'], 'web', month) }}
        )

),

-- the landing event's channel: the visit's own traffic source
landings_classified as (

    {{ traffic_channel('landings') }}

),

final as (

    select
        landings_classified.visit_id,
        landings_classified.visitor_id,
        sums.customer_id,
        landings_classified.visit_start_at,
        landings_classified.visit_start_at_local,
        sums.visit_end_at,
        landings_classified.visit_date,
        landings_classified.device,
        landings_classified.landing_page_type,
        landings_classified.landing_page_url,
        landings_classified.referrer_url,
        landings_classified.utm_source,
        landings_classified.utm_medium,
        landings_classified.utm_campaign,
        landings_classified.channel,
        sums.event_count,
        sums.page_views,
        sums.timed_page_views,
        sums.time_on_page_seconds,
        sums.add_to_cart_count,
        sums.checkout_start_count,
        sums.orders_placed,
        sums.payment_attempts,
        sums.payments_succeeded
    from landings_classified
    inner join sums on landings_classified.visit_id = sums.visit_id

)

select * from final
{% endcall %}
