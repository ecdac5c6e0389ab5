-- The fulfilment of each order: when the warehouse could start (payment, or placement for
-- cash on delivery), its parcel's shipping and delivery, and the shipping cut-off of the
-- order's time slot (分时段下单出库). Join int_orders_settled for the order itself.
with orders as (

    select * from {{ ref('int_orders_settled') }}

),

shipments as (

    select * from {{ ref('stg_wms__shipments') }}

),

payment_methods as (

    select * from {{ ref('payment_methods') }}

),

slots as (

    select * from {{ ref('order_time_slots') }}

),

fulfilled as (

    select
        orders.order_id,
        payment_methods.is_cash_on_delivery,
        case
            when payment_methods.is_cash_on_delivery then orders.placed_at else orders.paid_at
        end as fulfilment_started_at,
        -- due to ship: a real order, paid or cash on delivery, not cancelled before shipping
        not orders.is_test
        and not orders.is_fraud
        and (orders.is_paid or payment_methods.is_cash_on_delivery)
        and (orders.cancelled_at is null or shipments.shipped_at is not null)
            as is_fulfilment_due,
        shipments.shipment_id,
        shipments.carrier,
        shipments.status as shipment_status,
        shipments.shipped_at,
        shipments.delivered_at,
        shipments.failed_at,
        shipments.shipping_cost,
        slots.slot_code as order_slot_code,
        cast(
            {{ dbt.dateadd(
                'hour',
                'slots.ship_cutoff_hour',
                dbt.dateadd('day', 'slots.ship_cutoff_day_offset', 'cast(orders.placed_date as timestamp)')
            ) }} as timestamp
        ) as ship_cutoff_at_local
    from orders
    left join payment_methods on orders.payment_method = payment_methods.payment_method
    left join shipments on orders.order_id = shipments.order_id
    left join slots
        on
            extract(hour from orders.placed_at_local) >= slots.start_hour
            and extract(hour from orders.placed_at_local) < slots.end_hour

),

final as (

    select
        order_id,
        is_cash_on_delivery,
        fulfilment_started_at,
        is_fulfilment_due,
        shipment_id,
        carrier,
        shipment_status,
        shipped_at,
        delivered_at,
        failed_at,
        shipping_cost,
        order_slot_code,
        ship_cutoff_at_local,
        shipped_at is not null
        and {{ to_shop_time('shipped_at') }} <= ship_cutoff_at_local as is_shipped_by_slot_cutoff
    from fulfilled

)

select * from final
