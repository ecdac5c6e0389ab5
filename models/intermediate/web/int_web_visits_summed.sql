-- Visits (访问次数), one row per visit: the sums of its events (int_web_events_sessionized).
-- A table of its own, and narrow (the visit's start, visitor and landing columns come from
-- its landing event in int_web_visits): at scale, aggregating and joining in one query held
-- both in memory at once and spilled tens of GB, while this table joins without spilling.
-- Incremental by day (macro rebuild_from).
{{ config(**incremental_by_day('visit_date', 'web')) }}
with final as (

    select
        visit_id,
        min(event_date) as visit_date,
        max(customer_id) as customer_id,
        max(event_at) as visit_end_at,
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
        count(case when event_type = 'payment_result' then 1 end) as payment_attempts,
        count(case when event_type = 'payment_result' and is_payment_success then 1 end)
            as payments_succeeded
    from {{ ref('int_web_events_sessionized') }}
    where {{ rebuilt_days_only('event_date', 'web') }}
    group by visit_id

)

select * from final
