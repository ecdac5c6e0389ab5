-- Operating environment: site rank (网站排名), one row per month × ranking provider, with
-- the change against the provider's previous month (positive = moved up).
with rankings as (

    select
        report_month_start_date as month_start_date,
        ranking_provider,
        site_rank,
        lag(site_rank) over (
            partition by ranking_provider order by report_month_start_date
        ) as previous_site_rank
    from {{ ref('stg_market__site_rankings') }}

),

final as (

    select
        month_start_date,
        ranking_provider,
        site_rank,
        previous_site_rank,
        previous_site_rank - site_rank as site_rank_change
    from rankings

)

select * from final
