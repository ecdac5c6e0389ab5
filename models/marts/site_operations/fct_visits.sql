-- Traffic (网站流量指标), one row per visit (访问): its landing, own traffic source, the
-- campaign it is attributed to (last non-direct touch), depth, duration and how far down
-- the funnel it went: int_web_visits (with the visit's own channel) and
-- int_web_visits_attributed, whether its visitor is new, and the dimension keys.
-- Incremental by day (macro rebuild_from): a run rebuilds the days its loads touched and
-- every later day, whose attribution and new visitors they can change.
{{ config(**incremental_by_day('visit_date', 'web')) }}
-- each visit with its attribution (int_web_visits_attributed), joined month by month in a
-- full build (macro union_by_month: one month's join fits in memory)
with visits as (

    {% call(month) union_by_month(ref('int_web_visits'), 'visit_date') %}
    select
        visits.*,
        attribution.channel as attributed_channel,
        attribution.attributed_campaign_code
    from {{ ref('int_web_visits') }} as visits
    inner join {{ ref('int_web_visits_attributed') }} as attribution
        on visits.visit_id = attribution.visit_id
    where
        {{ rebuilt_days_in_month(['visits.visit_date', 'attribution.visit_date'], 'web', month) }}
    {% endcall %}

),

-- a visitor's first visit ever, also when it lies before the days being rebuilt
visitors as (

    select
        visitor_id,
        min(visit_start_at) as first_seen_at
    from {{ ref('int_web_visits') }}
    {%- if is_incremental() %}
    where visitor_id in (select visits.visitor_id from visits)
    {%- endif %}
    group by visitor_id

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
        visits.visit_start_at_local,
        visits.visit_end_at,
        visits.visit_date,
        visits.device,
        visits.landing_page_type,
        visits.landing_page_url,
        visits.referrer_url,
        visits.utm_source,
        visits.utm_medium,
        visits.utm_campaign,
        coalesce(channels.channel_key, {{ unknown_key() }}) as channel_key,
        visits.channel,
        coalesce(attributed_channels.channel_key, {{ unknown_key() }}) as attributed_channel_key,
        visits.attributed_channel,
        {{ campaign_key('visits.attributed_campaign_code', 'campaigns.campaign_key') }}
            as attributed_campaign_key,
        visits.attributed_campaign_code,
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
        visits.payment_attempts,
        visits.payments_succeeded,
        visits.add_to_cart_count > 0 as has_add_to_cart,
        visits.checkout_start_count > 0 as has_checkout_start,
        visits.orders_placed > 0 as has_order,
        visits.payments_succeeded > 0 as has_payment
    from visits
    inner join visitors on visits.visitor_id = visitors.visitor_id
    left join customers on visits.customer_id = customers.customer_id
    left join channels on visits.channel = channels.channel
    left join channels as attributed_channels
        on visits.attributed_channel = attributed_channels.channel
    left join campaigns on visits.attributed_campaign_code = campaigns.campaign_code

)

select * from final
