-- Traffic and funnel (网站流量指标), one row per shop-local day × traffic channel × device.
-- Counts add up across rows; unique_visitors does not (a visitor can use two channels or
-- devices a day): recount it from fct_visitor_daily. Rates are for the row only; coarser
-- grains re-aggregate them as sum(numerator) / sum(denominator).
with visitor_days as (

    select * from {{ ref('fct_visitor_daily') }}

),

totals as (

    select
        visit_date,
        channel_key,
        channel,
        device,
        count(*) as unique_visitors,
        sum(new_visitor_count) as new_visitors,
        sum(visits) as visits,
        sum(page_views) as page_views,
        sum(bounced_visits) as bounced_visits,
        sum(duration_seconds) as duration_seconds,
        sum(timed_page_views) as timed_page_views,
        sum(time_on_page_seconds) as time_on_page_seconds,
        sum(add_to_cart_count) as add_to_cart_count,
        sum(checkout_start_count) as checkout_start_count,
        sum(orders_placed) as orders_placed,
        sum(payments_succeeded) as payments_succeeded,
        sum(visits_with_add_to_cart) as visits_with_add_to_cart,
        sum(visits_with_checkout_start) as visits_with_checkout_start,
        sum(visits_with_order) as visits_with_order,
        sum(visits_with_payment) as visits_with_payment
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
