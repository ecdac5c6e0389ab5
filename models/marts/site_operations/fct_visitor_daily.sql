-- Traffic (网站流量指标), one row per visitor × shop-local day × traffic channel × device:
-- the base for distinct visitor counts (访客数 UV, 新访客数) at any grain and slice. UV of
-- a week, a month or several channels is count(distinct visitor_id) over these rows, never
-- a sum of daily UV; new visitors are sum(new_visitor_count) at any grain, since a visitor
-- is new in exactly one row. Incremental by day (macro rebuild_from).
{{ config(**incremental_by_day('visit_date', 'web')) }}
with visits as (

    select * from {{ ref('fct_visits') }}
    where {{ rebuilt_days_only('visit_date', 'web') }}

),

final as (

    select
        visit_date,
        visitor_id,
        channel_key,
        channel,
        device,
        max(case when is_new_visitor then 1 else 0 end) as new_visitor_count,
        count(*) as visits,
        sum(page_views) as page_views,
        sum(case when is_bounce then 1 else 0 end) as bounced_visits,
        sum(duration_seconds) as duration_seconds,
        sum(timed_page_views) as timed_page_views,
        sum(time_on_page_seconds) as time_on_page_seconds,
        sum(add_to_cart_count) as add_to_cart_count,
        sum(checkout_start_count) as checkout_start_count,
        sum(orders_placed) as orders_placed,
        sum(payment_attempts) as payment_attempts,
        sum(payments_succeeded) as payments_succeeded,
        sum(case when has_add_to_cart then 1 else 0 end) as visits_with_add_to_cart,
        sum(case when has_checkout_start then 1 else 0 end) as visits_with_checkout_start,
        sum(case when has_order then 1 else 0 end) as visits_with_order,
        sum(case when has_payment then 1 else 0 end) as visits_with_payment
    from visits
    group by visit_date, visitor_id, channel_key, channel, device

)

select * from final
