-- One row per parcel: the fulfilment timeline of its order (下单 → 支付 → 出库 → 收货) in
-- hours, its cost, and whether it was delivered within the warehouse's delivery SLA.
with orders as (

    select * from {{ ref('int_orders_fulfilled') }}
    where shipment_id is not null

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
        {{ surrogate_key(['orders.shipment_id']) }} as shipment_key,
        orders.shipment_id,
        orders.order_id,
        coalesce(warehouses.warehouse_key, {{ unknown_key() }}) as warehouse_key,
        orders.warehouse_id,
        coalesce(delivery_methods.delivery_method_key, {{ unknown_key() }})
            as delivery_method_key,
        orders.delivery_method,
        orders.carrier,
        orders.shipment_status,
        orders.is_cash_on_delivery,
        orders.placed_at,
        orders.placed_date,
        orders.paid_at,
        orders.fulfilment_started_at,
        orders.shipped_at,
        cast({{ to_shop_time('orders.shipped_at') }} as date) as shipped_date,
        orders.delivered_at,
        cast({{ to_shop_time('orders.delivered_at') }} as date) as delivered_date,
        orders.failed_at,
        orders.shipping_cost,
        {{ hours_between('orders.placed_at', 'orders.delivered_at') }} as order_to_receipt_hours,
        {{ hours_between('orders.fulfilment_started_at', 'orders.shipped_at') }}
            as warehouse_processing_hours,
        {{ hours_between('orders.shipped_at', 'orders.delivered_at') }} as delivery_hours,
        warehouses.delivery_sla_hours,
        orders.shipment_status = 'delivered' as is_delivered,
        orders.shipment_status = 'failed' as is_failed,
        orders.shipment_status = 'delivered'
        and {{ hours_between('orders.shipped_at', 'orders.delivered_at') }}
        <= warehouses.delivery_sla_hours as is_delivered_within_sla,
        -- 未送达: failed, or not delivered within the SLA (late, or overdue in transit)
        orders.shipment_status = 'failed'
        or {{ hours_between(
            'orders.shipped_at', 'coalesce(orders.delivered_at, data_horizon.as_of_at)'
        ) }} > warehouses.delivery_sla_hours as is_undelivered
    from orders
    cross join data_horizon
    left join warehouses on orders.warehouse_id = warehouses.warehouse_id
    left join delivery_methods on orders.delivery_method = delivery_methods.delivery_method

)

select * from final
