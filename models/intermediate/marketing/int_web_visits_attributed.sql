-- Marketing attribution of visits: the last non-direct touch of the visitor within the
-- look-back window (var attribution_lookback_days, default 7 days) before the visit's
-- start; none → the direct channel and no campaign. A table of its own, narrow, so that
-- fct_visits joins it to the visits month by month. Incremental by day (macro
-- rebuild_from): the days a run rebuilds and every later day, whose look-back they reach.
{{ config(**incremental_by_day('visit_date', 'web')) }}
with visits as (

    select
        visit_id,
        visitor_id,
        visit_start_at,
        visit_date
    from {{ ref('int_web_visits') }}
    where {{ rebuilt_days_only('visit_date', 'web') }}

),

final as (

    {{ last_touch_attribution('visits', 'visit_id', 'visit_start_at', ['visit_date']) }}

)

select * from final
