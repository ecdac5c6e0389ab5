-- Per shop-local day, the page views (浏览量 PV) of fct_page_views, fct_visits and
-- fct_traffic_daily equal the page-view events counted straight from raw (each event id
-- once). Returns the days that disagree. A daily run checks the days it rebuilt (macro
-- reads_rebuilt_days_only), a full build every day.
{{ config(meta={'dagster': {'ref': {'name': 'fct_traffic_daily'}}}) }}
with raw_daily as (

    select
        cast({{ to_shop_time('event_at') }} as date) as date_day,
        count(distinct event_id) as page_views
    from {{ source('web', 'events') }}
    where event_type = 'page_view' and {{ rebuilt_shop_days_only('event_at', 'web') }}
    group by cast({{ to_shop_time('event_at') }} as date)

),

page_view_daily as (

    select
        viewed_date as date_day,
        count(*) as page_views
    from {{ ref('fct_page_views') }}
    where {{ rebuilt_days_only('viewed_date', 'web') }}
    group by viewed_date

),

visit_daily as (

    select
        visit_date as date_day,
        sum(page_views) as page_views
    from {{ ref('fct_visits') }}
    where {{ rebuilt_days_only('visit_date', 'web') }}
    group by visit_date

),

traffic_daily as (

    select
        visit_date as date_day,
        sum(page_views) as page_views
    from {{ ref('fct_traffic_daily') }}
    where {{ rebuilt_days_only('visit_date', 'web') }}
    group by visit_date

),

days as (

    select date_day from raw_daily
    union
    select date_day from page_view_daily
    union
    select date_day from visit_daily
    union
    select date_day from traffic_daily

)

select
    days.date_day,
    raw_daily.page_views as raw_page_views,
    page_view_daily.page_views as fct_page_views,
    visit_daily.page_views as fct_visits_page_views,
    traffic_daily.page_views as fct_traffic_daily_page_views
from days
left join raw_daily on days.date_day = raw_daily.date_day
left join page_view_daily on days.date_day = page_view_daily.date_day
left join visit_daily on days.date_day = visit_daily.date_day
left join traffic_daily on days.date_day = traffic_daily.date_day
where
    raw_daily.page_views is distinct from page_view_daily.page_views
    or raw_daily.page_views is distinct from visit_daily.page_views
    or raw_daily.page_views is distinct from traffic_daily.page_views
