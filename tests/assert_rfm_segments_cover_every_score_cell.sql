-- Seed rfm_segments maps every recency × frequency score cell (1-5 × 1-5) to exactly one
-- segment. Returns the cells with no segment or with several.
with scores as (

    select 1 as score
    union all
    select 2 as score
    union all
    select 3 as score
    union all
    select 4 as score
    union all
    select 5 as score

),

cells as (

    select
        recency.score as r_score,
        frequency.score as f_score
    from scores as recency
    cross join scores as frequency

),

matches as (

    select
        cells.r_score,
        cells.f_score,
        count(segments.segment) as segment_count
    from cells
    left join {{ ref('rfm_segments') }} as segments
        on
            cells.r_score between segments.r_score_min and segments.r_score_max
            and cells.f_score between segments.f_score_min and segments.f_score_max
    group by cells.r_score, cells.f_score

)

select * from matches
where segment_count != 1
