{%- set additive_measures = [
    'visits',
    'page_views',
    'bounced_visits',
    'duration_seconds',
    'timed_page_views',
    'time_on_page_seconds',
    'add_to_cart_count',
    'checkout_start_count',
    'orders_placed',
    'payment_attempts',
    'payments_succeeded',
    'visits_with_add_to_cart',
    'visits_with_checkout_start',
    'visits_with_order',
    'visits_with_payment',
] -%}
-- Traffic and funnel (网站流量指标), one row per shop-local day × traffic channel × device.
-- Counts add up across rows; unique_visitors does not (a visitor can use two channels or
-- devices a day): recount it from fct_visitor_daily. Rates are for the row only; coarser
-- grains re-aggregate them as sum(numerator) / sum(denominator). Incremental by day.
{{ config(**incremental_by_day('visit_date', 'web')) }}
with visitor_days as (

    select * from {{ ref('fct_visitor_daily') }}
    where {{ rebuilt_days_only('visit_date', 'web') }}

),

totals as (

    select
        visit_date,
        channel_key,
        channel,
        device,
        count(*) as unique_visitors,
        {%- for measure in additive_measures %}
            sum({{ measure }}) as {{ measure }},
        {%- endfor %}
        sum(new_visitor_count) as new_visitors
    from visitor_days
    group by visit_date, channel_key, channel, device

),

final as (

    select
        *,
        {{ safe_divide('new_visitors', 'unique_visitors') }} as new_visitor_ratio,
        {{ safe_divide('bounced_visits', 'visits') }} as bounce_rate,
        {{ safe_divide('duration_seconds', 'visits') }} as avg_visit_duration_seconds,
        {{ safe_divide('time_on_page_seconds', 'timed_page_views') }}
            as avg_time_on_page_seconds,
        {{ safe_divide('page_views', 'unique_visitors') }} as page_views_per_visitor,
        {{ safe_divide('visits_with_add_to_cart', 'visits') }} as add_to_cart_rate,
        {{ safe_divide('visits_with_checkout_start', 'visits') }} as checkout_rate,
        {{ safe_divide('visits_with_order', 'visits') }} as order_conversion_rate,
        {{ safe_divide('visits_with_payment', 'visits') }} as payment_conversion_rate
    from totals

)

select * from final
