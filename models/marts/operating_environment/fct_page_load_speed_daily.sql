-- Page load speed (链接速度) of each shop-local day's page views, the part of
-- fct_operating_environment_daily that reads every page view. Incremental by day, rebuilt
-- from the first day a run's loaded web events touched (macro rebuild_from), so a daily run
-- computes the percentiles of the days it rebuilt only.
{{ config(**incremental_by_day('viewed_date', 'web')) }}
select
    viewed_date,
    count(page_load_ms) as timed_page_loads,
    {{ percentile('page_load_ms', 0.5) }} as page_load_p50_ms,
    {{ percentile('page_load_ms', 0.95) }} as page_load_p95_ms
from {{ ref('fct_page_views') }}
where {{ rebuilt_days_only('viewed_date', 'web') }}
group by viewed_date
