-- Expected ranges (预期区间): every daily value of an indicator with an alert rule, shop-wide
-- and per slice, against the value its own history expects, and whether it is an alert.
-- The model, per indicator and slice:
--   baseline  the median of the comparable earlier days: the latest 4 same weekdays of the
--             previous 8 weeks (rules same_weekday and bounds) or the latest 7 days of the
--             previous 4 weeks (trailing), promotion days (dim_date) left out, so weekday
--             and sale days are accounted for, the days after a sale have a baseline too,
--             and a slow trend is followed; on a promotion day, that ordinary baseline
--             times the promotion lift: the median ratio of value to ordinary baseline
--             over the latest 7 earlier days of the same promotion, so that a sale day is
--             compared with the sale's own days;
--   spread    1.4826 × the median absolute deviation of the indicator's residuals (value −
--             baseline) over the 56 days before, promotion days left out: a robust
--             standard deviation of its own noise (on a promotion day, times twice the
--             lift: a sale day moves more than an ordinary day); for a share of counted
--             units (bounds 0 and 1), at least its sampling error sqrt(p (1 - p) / volume);
--   alert     a change alert when the value lies more than alert_sensitivity × spread from
--             the baseline and at least alert_threshold (relative) in the unwanted
--             direction (either for neutral indicators), with volume >= alert_min_volume,
--             at least 3 baseline days and 14 residuals (a robust spread of fewer days is
--             a guess); on a promotion day, a lift of at
--             least 3 of the promotion's days and twice the threshold; a bounds alert when
--             outside [lower_bound, upper_bound]. A festival's peak day and its eve raise
--             no change alert (a class of their own); provisional values
--             (fct_indicator_values.is_provisional) raise none at all.
-- Severity is critical out of bounds or at twice the threshold. Deterministic.
with catalog as (

    select * from {{ ref('indicator_catalog') }}
    where alert_rule <> 'none'

),

calendar as (

    select
        date_day,
        is_promotion_day,
        promotion_names,
        -- a festival's peak day and its eve (the presale's final payments, the run-up to
        -- the peak): a class of their own, never compared with other days
        coalesce(
            is_festival_peak
            or lead(is_festival_peak) over (order by date_day),
            false
        ) as is_peak_window
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
        indicator_values.volume / nullif(sum(indicator_values.volume) over (
            partition by
                indicator_values.indicator_code,
                indicator_values.period_start,
                indicator_values.slice_dimension
        ), 0) as volume_share,
        indicator_values.is_provisional,
        -- an indicator that promotions do not move has ordinary days only
        calendar.is_promotion_day and catalog.alert_promotion_lift as is_promotion_day,
        case when catalog.alert_promotion_lift then calendar.promotion_names end
            as promotion_names,
        calendar.is_peak_window and catalog.alert_promotion_lift as is_peak_window
    from {{ ref('fct_indicator_values') }} as indicator_values
    inner join catalog on indicator_values.indicator_code = catalog.indicator_code
    inner join calendar on indicator_values.period_start = calendar.date_day
    where indicator_values.grain = 'day' and indicator_values.indicator_value is not null

),

baseline_days as (

    -- the comparable earlier ordinary days, latest first: a promotion period does not leave
    -- the days after it without a baseline
    select
        current_day.indicator_code,
        current_day.period_start,
        current_day.slice_dimension,
        current_day.slice_value,
        earlier_day.indicator_value,
        case when catalog.alert_rule = 'trailing' then 7 else 4 end as wanted_days,
        {{ latest_first('current_day', 'earlier_day') }} as recency
    from daily as current_day
    inner join catalog on current_day.indicator_code = catalog.indicator_code
    inner join daily as earlier_day
        on
            {{ same_series('current_day', 'earlier_day', same_day=false) }}
            and not earlier_day.is_promotion_day
            and (
                (
                    catalog.alert_rule in ('same_weekday', 'bounds')
                    and {{ days_between('earlier_day.period_start', 'current_day.period_start') }}
                    in (7, 14, 21, 28, 35, 42, 49, 56)
                )
                or (
                    catalog.alert_rule = 'trailing'
                    and {{ days_between('earlier_day.period_start', 'current_day.period_start') }}
                    between 1 and 28
                )
            )

),

baselines as (

    select
        indicator_code,
        period_start,
        slice_dimension,
        slice_value,
        count(*) as baseline_days,
        {{ percentile('indicator_value', 0.5) }} as baseline_value
    from baseline_days
    where recency <= wanted_days
    group by indicator_code, period_start, slice_dimension, slice_value

),

promotion_ratios as (

    -- each promotion day's value against its ordinary baseline: how the sale moves the
    -- indicator (a festival's peak day and its eve, a class of their own, left out)
    select
        daily.indicator_code,
        daily.period_start,
        daily.slice_dimension,
        daily.slice_value,
        daily.promotion_names,
        daily.indicator_value / baselines.baseline_value as ratio
    from daily
    inner join baselines
        on {{ same_series('daily', 'baselines') }}
    where
        daily.is_promotion_day
        and not daily.is_peak_window
        and baselines.baseline_days >= 3
        and baselines.baseline_value <> 0

),

promotion_lift_days as (

    -- the same promotion's earlier days, latest first
    select
        current_day.indicator_code,
        current_day.period_start,
        current_day.slice_dimension,
        current_day.slice_value,
        earlier_day.ratio,
        {{ latest_first('current_day', 'earlier_day') }} as recency
    from daily as current_day
    inner join promotion_ratios as earlier_day
        on
            {{ same_series('current_day', 'earlier_day', same_day=false) }}
            and current_day.promotion_names = earlier_day.promotion_names
            and current_day.period_start > earlier_day.period_start
    where current_day.is_promotion_day

),

promotion_lifts as (

    select
        indicator_code,
        period_start,
        slice_dimension,
        slice_value,
        count(*) as promotion_lift_days,
        {{ percentile('ratio', 0.5) }} as promotion_lift
    from promotion_lift_days
    where recency <= 7
    group by indicator_code, period_start, slice_dimension, slice_value

),

expected_baselines as (

    -- the value expected: the ordinary baseline, times the promotion lift on a promotion
    -- day, whose accepted range is twice as wide (a sale moves more than an ordinary day)
    select
        baselines.indicator_code,
        baselines.period_start,
        baselines.slice_dimension,
        baselines.slice_value,
        baselines.baseline_days,
        promotion_lifts.promotion_lift,
        coalesce(promotion_lifts.promotion_lift_days, 0) as promotion_lift_days,
        baselines.baseline_value * coalesce(promotion_lifts.promotion_lift, 1) as baseline_value,
        coalesce(2 * abs(promotion_lifts.promotion_lift), 1) as spread_factor,
        case when promotion_lifts.promotion_lift is null then 1 else 2 end as threshold_factor
    from baselines
    left join promotion_lifts
        on {{ same_series('baselines', 'promotion_lifts') }}

),

residuals as (

    select
        daily.indicator_code,
        daily.period_start,
        daily.slice_dimension,
        daily.slice_value,
        daily.indicator_value - baselines.baseline_value as residual
    from daily
    inner join baselines
        on {{ same_series('daily', 'baselines') }}
    where not daily.is_promotion_day and baselines.baseline_days >= 3

),

residual_history as (

    select
        daily.indicator_code,
        daily.period_start,
        daily.slice_dimension,
        daily.slice_value,
        earlier.residual
    from daily
    inner join residuals as earlier
        on
            {{ same_series('daily', 'earlier', same_day=false) }}
            and {{ days_between('earlier.period_start', 'daily.period_start') }} between 1 and 56

),

residual_medians as (

    select
        indicator_code,
        period_start,
        slice_dimension,
        slice_value,
        count(*) as residual_days,
        {{ percentile('residual', 0.5) }} as median_residual
    from residual_history
    group by indicator_code, period_start, slice_dimension, slice_value

),

spreads as (

    select
        residual_medians.indicator_code,
        residual_medians.period_start,
        residual_medians.slice_dimension,
        residual_medians.slice_value,
        residual_medians.residual_days,
        1.4826
        * {{ percentile('abs(residual_history.residual - residual_medians.median_residual)', 0.5) }}
            as spread
    from residual_medians
    inner join residual_history
        on {{ same_series('residual_medians', 'residual_history') }}
    group by
        residual_medians.indicator_code,
        residual_medians.period_start,
        residual_medians.slice_dimension,
        residual_medians.slice_value,
        residual_medians.residual_days

),

evaluated as (

    select
        daily.*,
        catalog.name_en,
        catalog.name_zh,
        catalog.direction,
        catalog.alert_rule,
        catalog.alert_threshold,
        catalog.alert_sensitivity,
        catalog.alert_min_volume,
        catalog.lower_bound,
        catalog.upper_bound,
        catalog.runbook,
        baselines.baseline_days,
        baselines.baseline_value,
        baselines.promotion_lift,
        baselines.promotion_lift_days,
        spreads.residual_days,
        -- a share of counted units (bounds 0 and 1) is at least as noisy as its sampling
        -- error, sqrt(p (1 - p) / n) with p the baseline and n the day's volume: a slice
        -- of a few units cannot have a narrower range than that, however still its history
        greatest(
            spreads.spread * baselines.spread_factor,
            case
                when
                    catalog.lower_bound = 0 and catalog.upper_bound = 1 and daily.volume > 0
                    and baselines.baseline_value between 0 and 1
                    then sqrt(
                        baselines.baseline_value * (1 - baselines.baseline_value) / daily.volume
                    )
            end
        ) as spread,
        baselines.threshold_factor * catalog.alert_threshold as threshold,
        (daily.indicator_value - baselines.baseline_value)
        / nullif(abs(baselines.baseline_value), 0) as deviation,
        coalesce(
            daily.indicator_value < catalog.lower_bound
            or daily.indicator_value > catalog.upper_bound,
            false
        ) and not daily.is_provisional as is_out_of_bounds
    from daily
    inner join catalog on daily.indicator_code = catalog.indicator_code
    left join expected_baselines as baselines
        on {{ same_series('daily', 'baselines') }}
    left join spreads
        on {{ same_series('daily', 'spreads') }}

),

ranged as (

    select
        *,
        -- the half-width of the accepted range: both the spread and the threshold must be
        -- exceeded
        greatest(spread * alert_sensitivity, abs(baseline_value) * threshold) as tolerance,
        -- a day that may raise a change alert: not a festival's peak or eve, nor one of a
        -- promotion's first three days (fewer earlier days to lift the baseline by)
        coalesce(
            not is_peak_window and (not is_promotion_day or promotion_lift_days >= 3), false
        ) as is_change_watched
    from evaluated

),

flagged as (

    select
        *,
        deviation * volume_share as contribution,
        coalesce(
            alert_rule in ('same_weekday', 'trailing')
            and is_change_watched
            and not is_provisional
            and baseline_days >= 3
            and residual_days >= 14
            and volume >= coalesce(alert_min_volume, 0)
            and abs(indicator_value - baseline_value) > tolerance
            and (
                (direction = 'higher_is_better' and indicator_value < baseline_value)
                or (direction = 'lower_is_better' and indicator_value > baseline_value)
                or direction = 'neutral'
            ),
            false
        ) as is_abnormal_change
    from ranged

),

final as (

    select
        indicator_code,
        name_en,
        name_zh,
        period_start,
        slice_dimension,
        slice_value,
        indicator_value,
        volume,
        volume_share,
        is_promotion_day,
        is_peak_window,
        is_provisional,
        is_change_watched,
        direction,
        alert_threshold,
        alert_sensitivity,
        baseline_value,
        baseline_days,
        promotion_lift,
        promotion_lift_days,
        spread,
        residual_days,
        case
            when is_out_of_bounds then lower_bound
            when direction in ('higher_is_better', 'neutral') then baseline_value - tolerance
        end as expected_low,
        case
            when is_out_of_bounds then upper_bound
            when direction in ('lower_is_better', 'neutral') then baseline_value + tolerance
        end as expected_high,
        deviation,
        contribution,
        is_out_of_bounds or is_abnormal_change as is_alert,
        case
            when is_out_of_bounds then 'bounds'
            when is_abnormal_change then alert_rule
        end as broken_rule,
        case
            when is_out_of_bounds then 'critical'
            when is_abnormal_change and abs(deviation) >= 2 * alert_threshold then 'critical'
            when is_abnormal_change then 'warning'
        end as severity,
        case
            when is_out_of_bounds
                then
                    {{ rounded_text('indicator_value', 4) }}
                    || ' is outside the bounds ['
                    || coalesce(cast(lower_bound as {{ dbt.type_string() }}), '')
                    || ', ' || coalesce(cast(upper_bound as {{ dbt.type_string() }}), '') || ']'
            when is_abnormal_change
                then
                    {{ rounded_text('100 * deviation', 1) }}
                    || ' % against the baseline '
                    || {{ rounded_text('baseline_value', 4) }}
                    || case alert_rule
                        when 'trailing' then ' (median of the latest 7 ordinary days'
                        else ' (median of the latest 4 ordinary same weekdays'
                    end
                    || case
                        when is_promotion_day
                            then
                                ' × promotion lift ' || {{ rounded_text('promotion_lift', 3) }}
                                || ' of the promotion''s latest '
                                || cast(promotion_lift_days as {{ dbt.type_string() }})
                                || ' days'
                        else ''
                    end
                    || ')'
                    || ': beyond ' || cast(alert_sensitivity as {{ dbt.type_string() }})
                    || ' × spread ' || {{ rounded_text('spread', 4) }}
                    || ' and the '
                    || {{ rounded_text('100 * threshold', 1) }}
                    || ' % threshold'
        end as why,
        runbook
    from flagged

)

select * from final
