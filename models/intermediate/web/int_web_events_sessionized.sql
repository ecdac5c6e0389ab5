{{ config(**incremental_by_day('event_date')) }}
-- Sessionization (访问次数): the visit each web event belongs to. A visitor's new visit
-- starts at
--   1. their first event of a shop-local day (visits never cross midnight),
--   2. an event at least var('visit_timeout_minutes') (default 30) after the previous one,
--   3. an event tagged with campaign parameters (utm source/medium/campaign) other than
--      those of the visit it would continue; an untagged visit is continued by untagged
--      events only.
-- A visit's source is its first event's tags, so rule 3 compares an event's tags with the
-- last tagged event before it in the same run of events (rules 1-2), which carries them.
-- visit_id hashes the visitor and the visit's first event: events loaded for later days
-- never change it. Narrow on purpose (keys and visit columns only): the event's other
-- columns are joined from staging by int_web_events_visited, which keeps this, the
-- costliest step of the traffic marts, to window passes over a few columns. Incremental:
-- a run rebuilds the days its loads touched and the days after them (macro rebuild_from).
with events as (

    select
        event_id,
        visitor_id,
        event_date,
        event_at,
        case
            when utm_source is not null or utm_medium is not null or utm_campaign is not null
                then concat_ws(
                    '|',
                    coalesce(utm_source, ''),
                    coalesce(utm_medium, ''),
                    coalesce(utm_campaign, '')
                )
        end as source_tags,
        lag(event_at) over (
            partition by visitor_id, event_date order by event_at, event_id
        ) as previous_event_at
    from {{ ref('stg_web__events') }}
    where {{ rebuilt_days_only('event_date', 'web') }}

),

runs as (

    select
        *,
        coalesce(
            {{ seconds_between('previous_event_at', 'event_at') }}
            >= {{ var('visit_timeout_minutes') }} * 60,
            true
        ) as is_run_start
    from events

),

numbered_runs as (

    select
        *,
        sum(case when is_run_start then 1 else 0 end) over (
            partition by visitor_id, event_date
            order by event_at, event_id
            rows between unbounded preceding and current row
        ) as run_number
    from runs

),

tagged as (

    select
        *,
        -- the previous tagged event of the run (for tagged events only: tagged and
        -- untagged events fall in separate window partitions)
        lag(source_tags) over (
            partition by visitor_id, event_date, run_number, source_tags is null
            order by event_at, event_id
        ) as previous_run_source_tags
    from numbered_runs

),

starts as (

    select
        *,
        case
            when is_run_start then true
            when source_tags is null then false
            when previous_run_source_tags is null then true
            else source_tags != previous_run_source_tags
        end as is_visit_start
    from tagged

),

numbered as (

    select
        *,
        sum(case when is_visit_start then 1 else 0 end) over (
            partition by visitor_id, event_date
            order by event_at, event_id
            rows between unbounded preceding and current row
        ) as day_visit_number,
        lead(event_at) over (
            partition by visitor_id, event_date order by event_at, event_id
        ) as next_event_at,
        lead(is_visit_start) over (
            partition by visitor_id, event_date order by event_at, event_id
        ) as is_next_event_visit_start
    from starts

),

assigned as (

    select
        *,
        first_value(event_id) over (
            partition by visitor_id, event_date, day_visit_number order by event_at, event_id
        ) as visit_first_event_id
    from numbered

),

final as (

    select
        event_id,
        {{ surrogate_key(['visitor_id', 'visit_first_event_id']) }} as visit_id,
        visitor_id,
        event_date,
        is_visit_start,
        case
            when is_next_event_visit_start = false
                then {{ seconds_between('event_at', 'next_event_at') }}
        end as seconds_to_next_event
    from assigned

)

select * from final
