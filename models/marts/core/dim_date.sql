with days as (

    {{ calendar_days() }}

),

promotions as (

    select
        start_date,
        end_date,
        campaign_name
    from {{ ref('stg_marketing__campaigns') }}
    where campaign_type = 'promotion'

),

festivals as (

    select
        festival_date,
        festival_code,
        festival_name_zh
    from {{ ref('shopping_festivals') }}

),

calendar as (

    select
        cast(date_day as date) as date_day,
        extract(year from date_day) as calendar_year,
        extract(month from date_day) as month_of_year,
        extract(day from date_day) as day_of_month,
        {{ iso_date_part('iso_year', 'date_day') }} as iso_year,
        {{ iso_date_part('iso_week', 'date_day') }} as iso_week,
        {{ iso_date_part('iso_day_of_week', 'date_day') }} as iso_day_of_week,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start_date,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date
    from days

),

promotion_days as (

    select
        calendar.date_day,
        {{ string_list('promotions.campaign_name', ', ') }}
            as promotion_names
    from calendar
    inner join promotions
        on calendar.date_day between promotions.start_date and promotions.end_date
    group by calendar.date_day

),

final as (

    select
        calendar.date_day,
        calendar.calendar_year,
        calendar.month_of_year,
        calendar.day_of_month,
        calendar.iso_year,
        calendar.iso_week,
        calendar.iso_day_of_week,
        calendar.week_start_date,
        calendar.month_start_date,
        calendar.iso_day_of_week in (6, 7) as is_weekend,
        promotion_days.date_day is not null as is_promotion_day,
        promotion_days.promotion_names,
        festivals.festival_code is not null as is_festival_peak,
        festivals.festival_code,
        festivals.festival_name_zh
    from calendar
    left join promotion_days on calendar.date_day = promotion_days.date_day
    left join festivals on calendar.date_day = festivals.festival_date

)

select * from final
