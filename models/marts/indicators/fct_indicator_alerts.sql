-- Indicator alerts (指标预警): every daily value that breaks its catalog rule, with the rule,
-- the baseline it was compared with, the deviation, a severity and the runbook (方案).
-- Rules (seed indicator_catalog):
--   bounds        value outside [lower_bound, upper_bound] (critical);
--   same_weekday  value against the median of the same weekday of the previous 4 weeks;
--   trailing      value against the median of the previous 7 days;
-- a change alert needs |deviation| >= alert_threshold in the unwanted direction (both for
-- neutral indicators), volume >= alert_min_volume and at least 3 baseline days. Promotion
-- days (dim_date) are left out of baselines and raise no change alerts, so that a sale
-- day is not compared with ordinary days; bounds still apply. Severity is critical when
-- |deviation| >= 2 × threshold. Deterministic: same values, same alerts.
with catalog as (

    select * from {{ ref('indicator_catalog') }}

),

calendar as (

    select
        date_day,
        is_promotion_day
    from {{ ref('dim_date') }}

),

daily as (

    select
        indicator_values.indicator_code,
        indicator_values.period_start,
        indicator_values.slice_dimension,
        indicator_values.slice_value,
        indicator_values.indicator_value,
        indicator_values.volume,
        calendar.is_promotion_day
    from {{ ref('fct_indicator_values') }} as indicator_values
    inner join calendar on indicator_values.period_start = calendar.date_day
    where indicator_values.grain = 'day' and indicator_values.indicator_value is not null

),

latest as (

    select max(period_start) as latest_period_start from daily

),

baselines as (

    select
        current_day.indicator_code,
        current_day.period_start,
        current_day.slice_dimension,
        current_day.slice_value,
        count(*) as baseline_days,
        percentile_cont(0.5) within group (order by earlier_day.indicator_value)
            as baseline_value
    from daily as current_day
    inner join catalog on current_day.indicator_code = catalog.indicator_code
    inner join daily as earlier_day
        on
            current_day.indicator_code = earlier_day.indicator_code
            and current_day.slice_dimension = earlier_day.slice_dimension
            and current_day.slice_value = earlier_day.slice_value
            and not earlier_day.is_promotion_day
            and (
                (
                    catalog.alert_rule = 'same_weekday'
                    and {{ days_between('earlier_day.period_start', 'current_day.period_start') }}
                    in (7, 14, 21, 28)
                )
                or (
                    catalog.alert_rule = 'trailing'
                    and {{ days_between('earlier_day.period_start', 'current_day.period_start') }}
                    between 1 and 7
                )
            )
    group by
        current_day.indicator_code,
        current_day.period_start,
        current_day.slice_dimension,
        current_day.slice_value

),

evaluated as (

    select
        daily.*,
        catalog.name_en,
        catalog.name_zh,
        catalog.direction,
        catalog.alert_rule,
        catalog.alert_threshold,
        catalog.alert_min_volume,
        catalog.lower_bound,
        catalog.upper_bound,
        catalog.runbook,
        baselines.baseline_days,
        baselines.baseline_value,
        (daily.indicator_value - baselines.baseline_value)
        / nullif(abs(baselines.baseline_value), 0) as deviation,
        daily.indicator_value < catalog.lower_bound
        or daily.indicator_value > catalog.upper_bound as is_out_of_bounds
    from daily
    inner join catalog on daily.indicator_code = catalog.indicator_code
    left join baselines
        on
            daily.indicator_code = baselines.indicator_code
            and daily.period_start = baselines.period_start
            and daily.slice_dimension = baselines.slice_dimension
            and daily.slice_value = baselines.slice_value

),

flagged as (

    select
        *,
        coalesce(
            alert_rule in ('same_weekday', 'trailing')
            and not is_promotion_day
            and baseline_days >= 3
            and volume >= coalesce(alert_min_volume, 0)
            and (
                (direction = 'higher_is_better' and deviation <= -alert_threshold)
                or (direction = 'lower_is_better' and deviation >= alert_threshold)
                or (direction = 'neutral' and abs(deviation) >= alert_threshold)
            ),
            false
        ) as is_abnormal_change
    from evaluated

),

final as (

    select
        {{ surrogate_key(['indicator_code', 'period_start', 'slice_dimension', 'slice_value']) }}
            as alert_key,
        flagged.indicator_code,
        flagged.name_en,
        flagged.name_zh,
        'day' as grain,
        flagged.period_start,
        flagged.slice_dimension,
        flagged.slice_value,
        flagged.indicator_value,
        flagged.volume,
        case when flagged.is_out_of_bounds then 'bounds' else flagged.alert_rule end as broken_rule,
        flagged.baseline_value,
        flagged.baseline_days,
        case
            when flagged.is_out_of_bounds then flagged.lower_bound
            when flagged.direction = 'higher_is_better' or flagged.direction = 'neutral'
                then flagged.baseline_value - abs(flagged.baseline_value) * flagged.alert_threshold
        end as expected_low,
        case
            when flagged.is_out_of_bounds then flagged.upper_bound
            when flagged.direction = 'lower_is_better' or flagged.direction = 'neutral'
                then flagged.baseline_value + abs(flagged.baseline_value) * flagged.alert_threshold
        end as expected_high,
        flagged.deviation,
        case
            when flagged.is_out_of_bounds then 'critical'
            when abs(flagged.deviation) >= 2 * flagged.alert_threshold then 'critical'
            else 'warning'
        end as severity,
        flagged.period_start = latest.latest_period_start as is_open,
        flagged.runbook
    from flagged
    cross join latest
    where flagged.is_out_of_bounds or flagged.is_abnormal_change

)

select * from final
