-- Indicator alerts (指标预警): every daily value that breaks its catalog rule
-- (fct_indicator_expected: the baseline, expected range, spread and why), each pointing to
-- the incident that explains it. Alerts that share a cause fold into one incident:
--   slices     the alerts of one indicator on one day are one event, rooted at the slice
--              whose deviation explains most of the shop-wide one (contribution = the
--              slice's volume share × its deviation, the most harmful first); at the
--              shop-wide value when it alerts and no alerting slice both explains half of
--              its deviation and moves at least 1.5 times as much (a move even across the
--              slices, e.g. a gateway failing on every device, is the shop's, not its
--              largest slice's);
--   the net    an indicator's event is explained by an event of an indicator upstream of
--              it in the catalog's relations (upstream_codes: parent_codes walked
--              upstream) on the same day, or on the day before for an upstream one dated
--              by order day and a driven one dated otherwise (the orders overdue at the
--              end of the day after a warehouse stalled), both in their unwanted
--              direction, the upstream one moving at least a tenth as much (a −1 %
--              availability dip does not explain page views −75 %: a lost tracking tag
--              does; macro explains); the root is
--              the most upstream alerting indicator (one with no alerting driver itself;
--              of several, the most harmful deviation, then the code);
--   days       consecutive days with the same root (indicator and slice) are one incident,
--              identified by its root and first day (incident_id).
-- Deterministic: same values, same alerts and incidents.
with catalog as (

    select
        indicator_code,
        date_column,
        upstream_codes
    from {{ ref('indicator_catalog') }}

),

alerts as (

    select
        expected.*,
        -- how harmful a change is: positive in the indicator's unwanted direction
        case expected.direction
            when 'higher_is_better' then -expected.deviation
            when 'lower_is_better' then expected.deviation
            else abs(expected.deviation)
        end as harm,
        case expected.direction
            when 'higher_is_better' then -expected.contribution
            when 'lower_is_better' then expected.contribution
            else abs(expected.contribution)
        end as contribution_harm,
        catalog.date_column,
        catalog.upstream_codes
    from {{ ref('fct_indicator_expected') }} as expected
    inner join catalog on expected.indicator_code = catalog.indicator_code
    where expected.is_alert

),

latest as (

    select max(period_start) as latest_period_start
    from {{ ref('fct_indicator_expected') }}

),

ranked_slices as (

    select
        indicator_code,
        period_start,
        slice_dimension,
        slice_value,
        harm,
        contribution_harm,
        row_number() over (
            partition by indicator_code, period_start
            order by contribution_harm desc nulls last, slice_dimension asc, slice_value asc
        ) as slice_rank
    from alerts
    where slice_dimension <> 'all'

),

shop_wide as (

    select
        indicator_code,
        period_start,
        harm
    from alerts
    where slice_dimension = 'all'

),

events as (

    -- one per indicator and day that alerts, with its root slice: the best slice when the
    -- shop-wide value does not alert or the slice explains at least half of it and moves
    -- at least 1.5 times as much
    select
        indicator_events.indicator_code,
        indicator_events.period_start,
        indicator_events.date_column,
        indicator_events.upstream_codes,
        coalesce(best_slice.slice_dimension, 'all') as root_slice_dimension,
        coalesce(best_slice.slice_value, 'all') as root_slice_value
    from (
        select distinct
            indicator_code,
            period_start,
            date_column,
            upstream_codes
        from alerts
    ) as indicator_events
    left join shop_wide
        on
            indicator_events.indicator_code = shop_wide.indicator_code
            and indicator_events.period_start = shop_wide.period_start
    left join ranked_slices as best_slice
        on
            indicator_events.indicator_code = best_slice.indicator_code
            and indicator_events.period_start = best_slice.period_start
            and best_slice.slice_rank = 1
            and (
                shop_wide.indicator_code is null
                or (
                    best_slice.contribution_harm >= 0.5 * shop_wide.harm
                    and best_slice.harm >= 1.5 * shop_wide.harm
                )
            )

),

event_harm as (

    select
        events.*,
        root_alert.harm
    from events
    inner join alerts as root_alert
        on
            events.indicator_code = root_alert.indicator_code
            and events.period_start = root_alert.period_start
            and events.root_slice_dimension = root_alert.slice_dimension
            and events.root_slice_value = root_alert.slice_value

),

drivers as (

    -- each event with the events upstream of it that explain it (and itself), the ones
    -- without an alerting driver of their own being candidate roots
    select
        alerted.indicator_code,
        alerted.period_start,
        driver.indicator_code as driver_code,
        driver.root_slice_dimension,
        driver.root_slice_value,
        driver.harm,
        row_number() over (
            partition by alerted.indicator_code, alerted.period_start
            order by driver.harm desc nulls last, driver.indicator_code asc
        ) as driver_rank
    from event_harm as alerted
    inner join event_harm as driver
        on
            (
                alerted.indicator_code = driver.indicator_code
                and alerted.period_start = driver.period_start
            )
            or ({{ explains('driver', 'alerted') }})
    where not exists (
        select 1
        from event_harm as upstream
        where {{ explains('upstream', 'driver') }}
    )

),

rooted as (

    select
        alerts.*,
        drivers.driver_code as root_indicator_code,
        drivers.root_slice_dimension,
        drivers.root_slice_value
    from alerts
    inner join drivers
        on
            alerts.indicator_code = drivers.indicator_code
            and alerts.period_start = drivers.period_start
            and drivers.driver_rank = 1

),

root_days as (

    -- consecutive days of one root share the same day minus its rank
    select
        root_indicator_code,
        root_slice_dimension,
        root_slice_value,
        period_start,
        cast({{ dbt.dateadd(
            'day',
            '-row_number() over (partition by root_indicator_code, root_slice_dimension,'
            ~ ' root_slice_value order by period_start)',
            'period_start') }} as date) as island
    from (
        select distinct
            root_indicator_code,
            root_slice_dimension,
            root_slice_value,
            period_start
        from rooted
    ) as distinct_days

),

incident_days as (

    select
        root_days.*,
        min(root_days.period_start) over (
            partition by
                root_days.root_indicator_code,
                root_days.root_slice_dimension,
                root_days.root_slice_value,
                root_days.island
        ) as first_day
    from root_days

),

final as (

    select
        {{ surrogate_key(['rooted.indicator_code', 'rooted.period_start', 'rooted.slice_dimension',
            'rooted.slice_value']) }} as alert_key,
        rooted.indicator_code,
        rooted.name_en,
        rooted.name_zh,
        'day' as grain,
        rooted.period_start,
        rooted.slice_dimension,
        rooted.slice_value,
        rooted.indicator_value,
        rooted.volume,
        rooted.broken_rule,
        rooted.baseline_value,
        rooted.baseline_days,
        rooted.spread,
        rooted.alert_sensitivity,
        rooted.expected_low,
        rooted.expected_high,
        rooted.deviation,
        rooted.volume_share,
        rooted.contribution,
        rooted.severity,
        rooted.why,
        rooted.period_start = latest.latest_period_start as is_open,
        rooted.runbook,
        rooted.root_indicator_code,
        rooted.root_slice_dimension,
        rooted.root_slice_value,
        incident_days.first_day as incident_first_day,
        {{ surrogate_key(['rooted.root_indicator_code', 'rooted.root_slice_dimension',
            'rooted.root_slice_value', 'incident_days.first_day']) }} as incident_id
    from rooted
    inner join incident_days
        on
            rooted.root_indicator_code = incident_days.root_indicator_code
            and rooted.root_slice_dimension = incident_days.root_slice_dimension
            and rooted.root_slice_value = incident_days.root_slice_value
            and rooted.period_start = incident_days.period_start
    cross join latest

)

select * from final
