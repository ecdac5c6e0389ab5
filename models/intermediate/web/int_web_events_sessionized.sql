{{ config(**incremental_by_day('event_date', 'web')) }}
-- Sessionization (访问次数): the visit each web event belongs to. A visitor's new visit
-- starts at
--   1. their first event of a shop-local day (visits never cross midnight),
--   2. an event at least var('visit_timeout_minutes') (default 30) after the previous one,
--   3. an event tagged with campaign parameters (utm source/medium/campaign) other than
--      those of the visit it would continue; an untagged visit is continued by untagged
--      events only.
-- A visit's source is its first event's tags, so rule 3 compares an event's tags with the
-- last tagged event before it in the same run of events (rules 1-2), which carries them.
-- visit_id is the id of the visit's first (landing) event: events loaded for later days
-- never change it, and the landing event's own columns join on it. Narrow on purpose: keys,
-- visit columns and the few event columns a visit's sums need (int_web_visits_summed
-- aggregates them); the event's other columns are joined from staging, by fct_page_views
-- and, for landing events, by int_web_visits.
-- Every window shares one partition and order (a visitor's day, in event order), in three
-- passes: each pass sorts every event (18 M a year at scale 1), the costliest work of the
-- traffic marts. Incremental: a run rebuilds the days its loads touched and the days after
-- them (macro rebuild_from).
{%- set visitor_day = "partition by visitor_id, event_date order by event_at, event_id" %}
{%- set before = visitor_day ~ " rows between unbounded preceding and 1 preceding" %}
{%- set up_to = visitor_day ~ " rows between unbounded preceding and current row" %}
{%- set after = visitor_day ~ " rows between 1 following and unbounded following" %}
with events as (

    select
        event_id,
        visitor_id,
        event_date,
        event_at,
        event_type,
        customer_id,
        is_payment_success,
        case
            when utm_source is not null or utm_medium is not null or utm_campaign is not null
                then concat_ws(
                    '|',
                    coalesce(utm_source, ''),
                    coalesce(utm_medium, ''),
                    coalesce(utm_campaign, '')
                )
        end as source_tags
    from {{ ref('stg_web__events') }}
    where {{ rebuilt_days_only('event_date', 'web') }}

),

-- pass 1: each event's position in its visitor's day and the time since the event before
positioned as (

    select
        *,
        row_number() over ({{ visitor_day }}) as day_position,
        lag(event_at) over ({{ visitor_day }}) as previous_event_at
    from events

),

runs as (

    select
        *,
        coalesce(
            {{ seconds_between('previous_event_at', 'event_at') }}
            >= {{ var('visit_timeout_minutes') }} * 60,
            true
        ) as is_run_start
    from positioned

),

-- pass 2: where the event's run starts, and the last tagged event before it
run_context as (

    select
        *,
        max(case when is_run_start then day_position end) over ({{ up_to }})
            as run_start_position,
        max(case when source_tags is not null then day_position end) over ({{ before }})
            as previous_tagged_position,
        {{ last_non_null('source_tags', before) }} as previous_source_tags
    from runs

),

starts as (

    select
        *,
        case
            when is_run_start then true
            when source_tags is null then false
            -- the first tagged event of its run
            when coalesce(previous_tagged_position < run_start_position, true) then true
            else source_tags != previous_source_tags
        end as is_visit_start
    from run_context

),

-- pass 3: the visit's first event, the next event, and where the next visit and the next
-- page view are
assigned as (

    select
        *,
        {{ last_non_null('case when is_visit_start then event_id end', up_to) }}
            as visit_id,
        lead(event_at) over ({{ visitor_day }}) as next_event_at,
        lead(is_visit_start) over ({{ visitor_day }}) as is_next_event_visit_start,
        min(case when is_visit_start then day_position end) over ({{ after }})
            as next_visit_position,
        min(case when event_type = 'page_view' then day_position end) over ({{ after }})
            as next_page_view_position
    from starts

),

final as (

    select
        event_id,
        visit_id,
        visitor_id,
        customer_id,
        event_at,
        event_date,
        event_type,
        is_payment_success,
        is_visit_start,
        case
            when is_next_event_visit_start = false
                then {{ seconds_between('event_at', 'next_event_at') }}
        end as seconds_to_next_event,
        case
            when event_type is null or event_type != 'page_view' then false
            when next_page_view_position is null then true
            when next_visit_position is null then false
            else next_page_view_position >= next_visit_position
        end as is_exit_page
    from assigned

)

select * from final
