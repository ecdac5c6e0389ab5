-- Traffic (网站流量指标), one row per visit (访问): its landing, own traffic source, the
-- campaign it is attributed to (last non-direct touch), depth, duration and how far down
-- the funnel it went. The visit's sums come from int_web_events_sessionized alone; only its
-- landing event joins staging for the page and referrer (the tables are read once per use,
-- not through a shared CTE, which the engine would materialize at full width). Incremental
-- by day (macro rebuild_from): a run rebuilds the days its loads touched and every later
-- day, whose attribution and new visitors they can change.
{{ config(**incremental_by_day('visit_date', 'web')) }}
with visits as (

    select
        visit_id,
        visitor_id,
        max(customer_id) as customer_id,
        min(event_at) as visit_start_at,
        max(event_at) as visit_end_at,
        min(event_date) as visit_date,
        count(*) as event_count,
        sum(case when event_type = 'page_view' then 1 else 0 end) as page_views,
        sum(
            case
                when event_type = 'page_view' and seconds_to_next_event is not null then 1 else 0
            end
        )
            as timed_page_views,
        sum(
            case
                when event_type = 'page_view' then coalesce(seconds_to_next_event, 0) else 0
            end
        ) as time_on_page_seconds,
        sum(case when event_type = 'add_to_cart' then 1 else 0 end) as add_to_cart_count,
        sum(case when event_type = 'checkout_start' then 1 else 0 end) as checkout_start_count,
        sum(case when event_type = 'order_submit' then 1 else 0 end) as orders_placed,
        sum(case when event_type = 'payment_result' and is_payment_success then 1 else 0 end)
            as payments_succeeded
    from {{ ref('int_web_events_sessionized') }}
    where {{ rebuilt_days_only('event_date', 'web') }}
    group by visit_id, visitor_id

),

landings as (

    select
        sessions.visit_id,
        events.event_id as landing_event_id,
        events.event_at_local as visit_start_at_local,
        events.page_type as landing_page_type,
        events.page_url as landing_page_url,
        events.referrer_url,
        events.utm_source,
        events.utm_medium,
        events.utm_campaign,
        events.device
    from {{ ref('stg_web__events') }} as events
    inner join {{ ref('int_web_events_sessionized') }} as sessions
        on events.event_id = sessions.event_id
    where
        sessions.is_visit_start
        and {{ rebuilt_days_only('sessions.event_date', 'web') }}
        and {{ rebuilt_days_only('events.event_date', 'web') }}

),

-- a visitor's first event ever, also when it lies before the days being rebuilt
visitors as (

    select
        visitor_id,
        min(event_at) as first_seen_at
    from {{ ref('stg_web__events') }}
    {%- if is_incremental() %}
    where visitor_id in (select visits.visitor_id from visits)
    {%- endif %}
    group by visitor_id

),

touches as (

    select
        event_id,
        channel
    from {{ ref('int_web_touches_classified') }}

),

attribution as (

    {{ last_touch_attribution('visits', 'visit_id', 'visit_start_at') }}

),

customers as (

    select * from {{ ref('dim_customer') }}

),

channels as (

    select * from {{ ref('dim_channel') }}

),

campaigns as (

    select * from {{ ref('dim_campaign') }}

),

final as (

    select
        visits.visit_id,
        visits.visitor_id,
        coalesce(customers.customer_key, {{ unknown_key() }}) as customer_key,
        visits.customer_id,
        visits.visit_start_at,
        landings.visit_start_at_local,
        visits.visit_end_at,
        visits.visit_date,
        landings.device,
        landings.landing_page_type,
        landings.landing_page_url,
        landings.referrer_url,
        landings.utm_source,
        landings.utm_medium,
        landings.utm_campaign,
        coalesce(channels.channel_key, {{ unknown_key() }}) as channel_key,
        coalesce(touches.channel, 'direct') as channel,
        coalesce(attributed_channels.channel_key, {{ unknown_key() }}) as attributed_channel_key,
        attribution.channel as attributed_channel,
        {{ campaign_key('attribution.attributed_campaign_code', 'campaigns.campaign_key') }}
            as attributed_campaign_key,
        attribution.attributed_campaign_code,
        visits.visit_start_at = visitors.first_seen_at as is_new_visitor,
        visits.event_count,
        visits.page_views,
        {{ seconds_between('visits.visit_start_at', 'visits.visit_end_at') }} as duration_seconds,
        visits.event_count = 1 and visits.page_views = 1 as is_bounce,
        visits.timed_page_views,
        visits.time_on_page_seconds,
        visits.add_to_cart_count,
        visits.checkout_start_count,
        visits.orders_placed,
        visits.payments_succeeded,
        visits.add_to_cart_count > 0 as has_add_to_cart,
        visits.checkout_start_count > 0 as has_checkout_start,
        visits.orders_placed > 0 as has_order,
        visits.payments_succeeded > 0 as has_payment
    from visits
    inner join landings on visits.visit_id = landings.visit_id
    inner join visitors on visits.visitor_id = visitors.visitor_id
    inner join attribution on visits.visit_id = attribution.visit_id
    left join touches on landings.landing_event_id = touches.event_id
    left join customers on visits.customer_id = customers.customer_id
    left join channels on coalesce(touches.channel, 'direct') = channels.channel
    left join channels as attributed_channels on attribution.channel = attributed_channels.channel
    left join campaigns on attribution.attributed_campaign_code = campaigns.campaign_code

)

select * from final
