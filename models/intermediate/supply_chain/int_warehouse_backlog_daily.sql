-- Orders waiting to ship at the end of each shop-local day, per warehouse, and those of
-- them past the warehouse's shipping SLA (压单).
with spine as (

    select
        date_day,
        warehouse_id,
        cast({{ dbt.dateadd('day', 1, 'date_day') }} as timestamp) as day_end_at_local
    from {{ ref('int_warehouse_days_spined') }}

),

fulfilment as (

    select * from {{ ref('int_orders_fulfilled') }}
    where is_fulfilment_due

),

orders as (

    select * from {{ ref('int_orders_settled') }}

),

warehouses as (

    select * from {{ ref('stg_wms__warehouses') }}

),

due as (

    select
        orders.order_id,
        orders.warehouse_id,
        {{ to_shop_time('fulfilment.fulfilment_started_at') }} as started_at_local,
        {{ to_shop_time(
            dbt.dateadd('hour', 'warehouses.ship_sla_hours', 'fulfilment.fulfilment_started_at')
        ) }} as ship_deadline_at_local,
        {{ to_shop_time('fulfilment.shipped_at') }} as shipped_at_local,
        {{ to_shop_time('orders.cancelled_at') }} as cancelled_at_local
    from fulfilment
    inner join orders on fulfilment.order_id = orders.order_id
    inner join warehouses on orders.warehouse_id = warehouses.warehouse_id

),

waiting as (

    -- an order waits at the end of day D when it started before midnight and was neither
    -- shipped nor cancelled by then
    select
        spine.date_day,
        spine.warehouse_id,
        due.order_id,
        spine.day_end_at_local > due.ship_deadline_at_local as is_overdue
    from spine
    inner join due
        on
            spine.warehouse_id = due.warehouse_id
            and spine.day_end_at_local > due.started_at_local
            and (
                due.shipped_at_local is null
                or spine.day_end_at_local <= due.shipped_at_local
            )
            and (
                due.cancelled_at_local is null
                or spine.day_end_at_local <= due.cancelled_at_local
            )

),

final as (

    select
        spine.date_day,
        spine.warehouse_id,
        count(waiting.order_id) as orders_awaiting_shipment,
        coalesce(sum(case when waiting.is_overdue then 1 else 0 end), 0) as orders_overdue
    from spine
    left join waiting
        on spine.date_day = waiting.date_day and spine.warehouse_id = waiting.warehouse_id
    group by spine.date_day, spine.warehouse_id

)

select * from final
