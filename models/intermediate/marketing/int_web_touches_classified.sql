{{ config(**incremental_by_day('touched_date', 'web')) }}
-- Marketing touches: the events by which a visitor arrived from outside (a tagged campaign
-- link or an external referrer), each classified into a channel. Internal navigation and
-- untagged direct arrivals are not touches (macro traffic_channel, which also gives a visit
-- its own channel). Incremental by day: a touch's channel depends on its own event and the
-- seeds channel_map and search_engines (and var shop_site_url), so a run classifies the
-- events of the days it rebuilds; a change to those needs a full refresh.
with events as (

    select * from {{ ref('stg_web__events') }}
    where {{ rebuilt_days_only('event_date', 'web') }}

),

arrivals as (

    select
        event_id,
        visitor_id,
        customer_id,
        event_at as touched_at,
        event_date as touched_date,
        utm_source,
        utm_medium,
        utm_campaign,
        referrer_url
    from events
    -- classify only possible arrivals from outside: most events are internal navigation
    where not {{ arrives_direct() }}

),

classified as (

    {{ traffic_channel('arrivals') }}

),

final as (

    select * from classified
    where channel != 'direct'

)

select * from final
