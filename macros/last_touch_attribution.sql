{% macro last_touch_attribution(subjects, subject_id, subject_at, carried_columns=[]) -%}
    {#- Marketing attribution (last non-direct touch): for each row of the CTE `subjects`
        (columns subject_id, visitor_id, subject_at and carried_columns, which are passed
        through after the subject id), the visitor's latest marketing touch
        (int_web_touches_classified) at or before subject_at and at most
        var('attribution_lookback_days') days earlier. Rows with no such touch get the
        direct channel and no campaign. Ties on time go to the larger event id.
        One pass over each visitor's timeline (no range join, whose pairs grow with the
        touches per visitor): touches and subjects in time order, touches first at equal
        times; a subject row takes the last touch row at or before it. Touches older than
        the look-back before the earliest subject are not read, nor touches without a
        visitor (as a join on visitor_id would not match them: a subject without a visitor
        gets direct). An empty utm value counts as absent (the timeline marks a touch's
        missing values with ''). -#}
    {%- set lookback = var('attribution_lookback_days') | int %}
    {%- set touch_columns = ['utm_source', 'utm_medium', 'utm_campaign'] %}
    {%- set timeline = "partition by visitor_id order by timeline_at, is_subject, touch_event_id"
        ~ " rows between unbounded preceding and current row" %}
    select
        {{ subject_id }},
        {%- for column in carried_columns %}
        {{ column }},
        {%- endfor %}
        case when is_in_lookback then touch_event_id end as touch_event_id,
        case when is_in_lookback then touched_at end as touched_at,
        case when is_in_lookback then channel else 'direct' end as channel,
        case when is_in_lookback then nullif(utm_source, '') end as utm_source,
        case when is_in_lookback then nullif(utm_medium, '') end as utm_medium,
        case when is_in_lookback then nullif(utm_campaign, '') end as attributed_campaign_code
    from (
        select
            *,
            timeline_at <= {{ dbt.dateadd('day', lookback, 'touched_at') }} as is_in_lookback
        from (
            select
                {{ subject_id }},
                {%- for column in carried_columns %}
                {{ column }},
                {%- endfor %}
                is_subject,
                timeline_at,
                {%- for column in ['touch_event_id', 'touched_at', 'channel'] + touch_columns %}
                {{ last_non_null(column, timeline) }} as {{ column }}{{ "," if not loop.last }}
                {%- endfor %}
            from (
                select
                    visitor_id,
                    {{ subject_at }} as timeline_at,
                    1 as is_subject,
                    {{ subject_id }},
                    {%- for column in carried_columns %}
                    {{ column }},
                    {%- endfor %}
                    null as touch_event_id,
                    null as touched_at,
                    null as channel,
                    {%- for column in touch_columns %}
                    null as {{ column }}{{ "," if not loop.last }}
                    {%- endfor %}
                from {{ subjects }}
                union all
                select
                    visitor_id,
                    touched_at as timeline_at,
                    0 as is_subject,
                    null as {{ subject_id }},
                    {%- for column in carried_columns %}
                    null as {{ column }},
                    {%- endfor %}
                    event_id as touch_event_id,
                    touched_at,
                    channel,
                    {%- for column in touch_columns %}
                    coalesce({{ column }}, '') as {{ column }}{{ "," if not loop.last }}
                    {%- endfor %}
                from {{ ref('int_web_touches_classified') }}
                where
                    touched_at >= (
                        select {{ dbt.dateadd('day', -lookback, 'min(' ~ subject_at ~ ')') }}
                        from {{ subjects }}
                    )
                    and visitor_id is not null
            ) as timeline
        ) as carried
        where is_subject = 1
    ) as attributed
{%- endmacro %}
