-- One row per parcel: the fulfilment timeline of its order (下单 → 支付 → 出库 → 收货) in
-- hours, its cost, and whether it was delivered within the SLA of the warehouse that
-- shipped it. An order may ship in several parcels, from several warehouses: each parcel
-- has its own warehouse, delivery method, processing and delivery times.
with parcels as (

    select
        *,
        {{ parcel_number() }} as parcel_number,
        count(*) over (partition by order_id) as parcel_count
    from {{ ref('stg_wms__shipments') }}

),

fulfilment as (

    select * from {{ ref('int_orders_fulfilled') }}

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
        {{ surrogate_key(['parcels.shipment_id']) }} as shipment_key,
        parcels.shipment_id,
        orders.order_id,
        parcels.parcel_number,
        parcels.parcel_number = parcels.parcel_count as is_last_parcel,
        coalesce(warehouses.warehouse_key, {{ unknown_key() }}) as warehouse_key,
        parcels.warehouse_id,
        coalesce(delivery_methods.delivery_method_key, {{ unknown_key() }})
            as delivery_method_key,
        parcels.delivery_method,
        parcels.carrier,
        parcels.status as shipment_status,
        fulfilment.is_cash_on_delivery,
        orders.placed_at,
        orders.placed_date,
        orders.paid_at,
        fulfilment.fulfilment_started_at,
        parcels.shipped_at,
        {{ shop_date('parcels.shipped_at') }} as shipped_date,
        parcels.delivered_at,
        {{ shop_date('parcels.delivered_at') }} as delivered_date,
        parcels.failed_at,
        parcels.shipping_cost,
        {{ hours_between('orders.placed_at', 'parcels.delivered_at') }}
            as order_to_receipt_hours,
        {{ hours_between('fulfilment.fulfilment_started_at', 'parcels.shipped_at') }}
            as warehouse_processing_hours,
        {{ hours_between('parcels.shipped_at', 'parcels.delivered_at') }} as delivery_hours,
        warehouses.delivery_sla_hours,
        parcels.status = 'delivered' as is_delivered,
        parcels.status = 'failed' as is_failed,
        parcels.status = 'delivered'
        and {{ hours_between('parcels.shipped_at', 'parcels.delivered_at') }}
        <= warehouses.delivery_sla_hours as is_delivered_within_sla,
        -- 未送达: failed, or not delivered within the SLA (late, or overdue in transit)
        parcels.status = 'failed'
        or {{ hours_between(
            'parcels.shipped_at', 'coalesce(parcels.delivered_at, data_horizon.as_of_at)'
        ) }} > warehouses.delivery_sla_hours as is_undelivered
    from parcels
    inner join fulfilment on parcels.order_id = fulfilment.order_id
    inner join orders on parcels.order_id = orders.order_id
    cross join data_horizon
    left join warehouses on parcels.warehouse_id = warehouses.warehouse_id
    left join delivery_methods on parcels.delivery_method = delivery_methods.delivery_method

)

select * from final
