-- The fulfilment of each order: when the warehouse could start (payment, or placement for
-- cash on delivery), its parcels' shipping and delivery, and the shipping cut-off of the
-- order's time slot (分时段下单出库). Join int_orders_settled for the order itself.
-- An order may ship in several parcels: it ships with its first parcel and is delivered
-- when its last parcel is (failed when any parcel failed); fct_shipments has each parcel.
with orders as (

    select * from {{ ref('int_orders_settled') }}

),

parcels as (

    select
        *,
        {{ parcel_number() }} as parcel_number
    from {{ ref('stg_wms__shipments') }}

),

shipments as (

    select
        order_id,
        max(case when parcel_number = 1 then shipment_id end) as shipment_id,
        max(case when parcel_number = 1 then carrier end) as carrier,
        count(*) as parcel_count,
        case
            when sum(case when status = 'failed' then 1 else 0 end) > 0 then 'failed'
            when sum(case when status = 'delivered' then 1 else 0 end) = count(*)
                then 'delivered'
            else 'shipped'
        end as status,
        min(shipped_at) as shipped_at,
        max(shipped_at) as last_shipped_at,
        case
            when sum(case when status = 'delivered' then 1 else 0 end) = count(*)
                then max(delivered_at)
        end as delivered_at,
        min(failed_at) as failed_at,
        sum(shipping_cost) as shipping_cost
    from parcels
    group by order_id

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
        coalesce(shipments.parcel_count, 0) as parcel_count,
        shipments.status as shipment_status,
        shipments.shipped_at,
        shipments.last_shipped_at,
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
        parcel_count,
        shipment_status,
        shipped_at,
        last_shipped_at,
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
