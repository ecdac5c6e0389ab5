-- Indicator incidents (异常事件): one row per cause, the alerts of fct_indicator_alerts folded
-- by their incident (the slices of one indicator, the indicators downstream of the root in
-- the catalog's net, consecutive days), with the root indicator and slice, what it
-- explains, its runbook (方案) and its estimated impact in money: the net sales shortfall
-- (baseline − value, reporting currency) over the incident's days, of the root slice when
-- net sales has that slice (channel, payment method, warehouse), else shop-wide. Ranked by
-- impact (impact_rank 1 costs most).
with alerts as (

    select * from {{ ref('fct_indicator_alerts') }}

),

expected as (

    select * from {{ ref('fct_indicator_expected') }}

),

latest as (

    select max(period_start) as latest_period_start from expected

),

incidents as (

    select
        incident_id,
        root_indicator_code,
        root_slice_dimension,
        root_slice_value,
        min(period_start) as first_day,
        max(period_start) as last_day,
        case
            when max(case when severity = 'critical' then 1 else 0 end) = 1
                then 'critical'
            else 'warning'
        end as severity,
        cast(sum(
            case
                when
                    indicator_code = root_indicator_code
                    and slice_dimension = root_slice_dimension
                    and slice_value = root_slice_value
                    then 0
                else 1
            end
        ) as integer) as explained_alert_count
    from alerts
    group by incident_id, root_indicator_code, root_slice_dimension, root_slice_value

),

explained as (

    select
        incident_id,
        {{ string_list('indicator_code', ',') }} as explained_indicators
    from (
        select distinct
            incident_id,
            indicator_code
        from alerts
        where indicator_code <> root_indicator_code
    ) as explained_codes
    group by incident_id

),

root_alerts as (

    -- the root's alert on its worst day
    select
        incident_id,
        name_en,
        period_start,
        deviation,
        why,
        runbook,
        row_number() over (
            partition by incident_id
            order by
                case when deviation is null then 1 else 0 end,
                abs(deviation) desc,
                period_start
        ) as day_rank
    from alerts
    where
        indicator_code = root_indicator_code
        and slice_dimension = root_slice_dimension
        and slice_value = root_slice_value

),

net_sales as (

    select
        period_start,
        slice_dimension,
        slice_value,
        baseline_value - indicator_value as shortfall
    from expected
    where indicator_code = 'net_sales'

),

impacts as (

    select
        incidents.incident_id,
        {{ rounded('sum(coalesce(sliced.shortfall, shop_wide.shortfall))', 2) }} as impact_amount
    from incidents
    inner join net_sales as shop_wide
        on
            shop_wide.slice_dimension = 'all'
            and shop_wide.period_start between incidents.first_day and incidents.last_day
    left join net_sales as sliced
        on
            incidents.root_slice_dimension = sliced.slice_dimension
            and incidents.root_slice_value = sliced.slice_value
            and shop_wide.period_start = sliced.period_start
    group by incidents.incident_id

),

shop_wide_deviations as (

    select
        root_alerts.incident_id,
        expected.deviation as shop_wide_deviation
    from root_alerts
    inner join incidents on root_alerts.incident_id = incidents.incident_id
    inner join expected
        on
            incidents.root_indicator_code = expected.indicator_code
            and root_alerts.period_start = expected.period_start
            and expected.slice_dimension = 'all'
    where root_alerts.day_rank = 1 and incidents.root_slice_dimension <> 'all'

),

described as (

    select
        incidents.*,
        incidents.last_day = latest.latest_period_start as is_open,
        root_alerts.deviation,
        impacts.impact_amount,
        explained.explained_indicators,
        root_alerts.runbook,
        root_alerts.name_en
        || coalesce(
            ' ' || case when root_alerts.deviation > 0 then '+' else '' end
            || {{ rounded_text('100 * root_alerts.deviation', 1) }}
            || ' %',
            ': ' || root_alerts.why
        )
        || case
            when incidents.root_slice_dimension = 'all' then ' shop-wide'
            else
                ', explained by ' || incidents.root_slice_dimension || ' = '
                || incidents.root_slice_value
                || coalesce(
                    ' (shop-wide '
                    || case when shop_wide_deviations.shop_wide_deviation > 0 then '+' else '' end
                    || {{ rounded_text('100 * shop_wide_deviations.shop_wide_deviation', 1) }}
                    || ' %)',
                    ''
                )
        end
        || case
            when incidents.first_day < incidents.last_day
                then ', ' || cast(
                    {{ days_between('incidents.first_day', 'incidents.last_day') }} + 1
                    as {{ dbt.type_string() }}
                ) || ' days'
            else ''
        end
        || coalesce('; also ' || explained.explained_indicators, '') as summary -- noqa: RF04
    from incidents
    cross join latest
    inner join root_alerts
        on incidents.incident_id = root_alerts.incident_id and root_alerts.day_rank = 1
    left join impacts on incidents.incident_id = impacts.incident_id
    left join explained on incidents.incident_id = explained.incident_id
    left join shop_wide_deviations on incidents.incident_id = shop_wide_deviations.incident_id

),

final as (

    select
        incident_id,
        row_number() over (
            order by
                case when impact_amount is null then 1 else 0 end,
                impact_amount desc,
                first_day desc,
                incident_id asc
        ) as impact_rank,
        root_indicator_code,
        root_slice_dimension,
        root_slice_value,
        first_day,
        last_day,
        is_open,
        deviation,
        severity,
        impact_amount,
        explained_alert_count,
        explained_indicators,
        runbook,
        summary
    from described

)

select * from final
