-- Every shop-local day of the loaded period × every warehouse: the spine of the daily
-- warehouse facts, so days without activity still show zeros.
with bounds as (

    select
        min(placed_date) as first_date,
        max(placed_date) as last_date
    from {{ ref('stg_shop__orders') }}

),

days as (

    select cast(calendar.date_day as date) as date_day
    from ({{ calendar_days() }}) as calendar
    inner join bounds
        on cast(calendar.date_day as date) between bounds.first_date and bounds.last_date

),

warehouses as (

    select warehouse_id from {{ ref('stg_wms__warehouses') }}

),

final as (

    select
        days.date_day,
        warehouses.warehouse_id
    from days
    cross join warehouses

)

select * from final
