-- One row per parcel: the fulfilment timeline of its order (下单 → 支付 → 出库 → 收货) in
-- hours, its cost, and whether it was delivered within the warehouse's delivery SLA.
with fulfilment as (

    select * from {{ ref('int_orders_fulfilled') }}
    where shipment_id is not null

),

orders as (

    select * from {{ ref('int_orders_settled') }}

),

warehouses as (

    select * from {{ ref('dim_warehouse') }}

),

delivery_methods as (

    select * from {{ ref('dim_delivery_method') }}

),

-- parcels still in transit are judged against the newest shipment record loaded
data_horizon as (

    select max(updated_at) as as_of_at from {{ ref('stg_wms__shipments') }}

),

final as (

    select
        {{ surrogate_key(['fulfilment.shipment_id']) }} as shipment_key,
        fulfilment.shipment_id,
        orders.order_id,
        coalesce(warehouses.warehouse_key, {{ unknown_key() }}) as warehouse_key,
        orders.warehouse_id,
        coalesce(delivery_methods.delivery_method_key, {{ unknown_key() }})
            as delivery_method_key,
        orders.delivery_method,
        fulfilment.carrier,
        fulfilment.shipment_status,
        fulfilment.is_cash_on_delivery,
        orders.placed_at,
        orders.placed_date,
        orders.paid_at,
        fulfilment.fulfilment_started_at,
        fulfilment.shipped_at,
        {{ shop_date('fulfilment.shipped_at') }} as shipped_date,
        fulfilment.delivered_at,
        {{ shop_date('fulfilment.delivered_at') }} as delivered_date,
        fulfilment.failed_at,
        fulfilment.shipping_cost,
        {{ hours_between('orders.placed_at', 'fulfilment.delivered_at') }}
            as order_to_receipt_hours,
        {{ hours_between('fulfilment.fulfilment_started_at', 'fulfilment.shipped_at') }}
            as warehouse_processing_hours,
        {{ hours_between('fulfilment.shipped_at', 'fulfilment.delivered_at') }} as delivery_hours,
        warehouses.delivery_sla_hours,
        fulfilment.shipment_status = 'delivered' as is_delivered,
        fulfilment.shipment_status = 'failed' as is_failed,
        fulfilment.shipment_status = 'delivered'
        and {{ hours_between('fulfilment.shipped_at', 'fulfilment.delivered_at') }}
        <= warehouses.delivery_sla_hours as is_delivered_within_sla,
        -- 未送达: failed, or not delivered within the SLA (late, or overdue in transit)
        fulfilment.shipment_status = 'failed'
        or {{ hours_between(
            'fulfilment.shipped_at', 'coalesce(fulfilment.delivered_at, data_horizon.as_of_at)'
        ) }} > warehouses.delivery_sla_hours as is_undelivered
    from fulfilment
    inner join orders on fulfilment.order_id = orders.order_id
    cross join data_horizon
    left join warehouses on orders.warehouse_id = warehouses.warehouse_id
    left join delivery_methods on orders.delivery_method = delivery_methods.delivery_method

)

select * from final
