{{ config(**incremental_by_day('touched_date', 'web')) }}
-- Marketing touches: the events by which a visitor arrived from outside (a tagged campaign
-- link or an external referrer), each classified into a channel. Internal navigation and
-- untagged direct arrivals are not touches. Incremental by day: a touch's channel depends on
-- its own event and the seeds channel_map and search_engines (and var shop_site_url), so a
-- run classifies the events of the days it rebuilds; a change to those needs a full refresh.
with events as (

    select * from {{ ref('stg_web__events') }}
    where {{ rebuilt_days_only('event_date', 'web') }}

),

channel_map as (

    select * from {{ ref('channel_map') }}

),

search_engines as (

    select * from {{ ref('search_engines') }}

),

touches as (

    select
        event_id,
        visitor_id,
        customer_id,
        event_at as touched_at,
        event_date as touched_date,
        utm_source,
        utm_medium,
        utm_campaign,
        referrer_url,
        split_part(referrer_url, '/', 3) as referrer_domain
    from events
    where
        utm_source is not null
        or utm_medium is not null
        or utm_campaign is not null
        or (
            referrer_url is not null
            and referrer_url not like '{{ var("shop_site_url") }}%'
        )

),

final as (

    select
        touches.*,
        case
            when touches.utm_medium is not null or touches.utm_source is not null
                then coalesce(channel_map.channel, 'other_campaign')
            when search_engines.referrer_domain is not null then 'organic_search'
            else 'referral'
        end as channel
    from touches
    left join channel_map on touches.utm_medium = channel_map.utm_medium
    left join search_engines on touches.referrer_domain = search_engines.referrer_domain

)

select * from final
