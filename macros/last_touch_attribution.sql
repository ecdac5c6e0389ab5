{% macro last_touch_attribution(subjects, subject_id, subject_at) -%}
    {#- Marketing attribution (last non-direct touch): for each row of the CTE `subjects`
        (columns subject_id, visitor_id, subject_at), the visitor's latest marketing touch
        (int_web_touches_classified) at or before subject_at and at most
        var('attribution_lookback_days') days earlier. Rows with no such touch get the
        direct channel and no campaign. Ties on time go to the larger event id. -#}
    select
        {{ subjects }}.{{ subject_id }},
        candidates.touch_event_id,
        candidates.touched_at,
        coalesce(candidates.channel, 'direct') as channel,
        candidates.utm_source,
        candidates.utm_medium,
        candidates.utm_campaign as attributed_campaign_code
    from {{ subjects }}
    left join (
        select
            subjects.{{ subject_id }},
            touches.event_id as touch_event_id,
            touches.touched_at,
            touches.channel,
            touches.utm_source,
            touches.utm_medium,
            touches.utm_campaign,
            row_number() over (
                partition by subjects.{{ subject_id }}
                order by touches.touched_at desc, touches.event_id desc
            ) as recency_rank
        from {{ subjects }} as subjects
        inner join {{ ref('int_web_touches_classified') }} as touches
            on
                subjects.visitor_id = touches.visitor_id
                and subjects.{{ subject_at }} >= touches.touched_at
                and subjects.{{ subject_at }}
                <= {{ dbt.dateadd('day', var('attribution_lookback_days'), 'touches.touched_at') }}
    ) as candidates
        on
            {{ subjects }}.{{ subject_id }} = candidates.{{ subject_id }}
            and candidates.recency_rank = 1
{%- endmacro %}
