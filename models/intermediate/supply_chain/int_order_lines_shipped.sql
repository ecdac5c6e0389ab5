-- The parcel each order line shipped in, with the parcel's warehouse and delivery: the
-- parcel shipment_lines lists it in. An order none of whose lines are listed ships them
-- all in its first parcel (a shop that ships an order in one parcel need not say which
-- lines the parcel carries); a line not listed while others of its order are has not
-- shipped yet. One row per shipped line; lines not shipped have none.
with lines as (

    select
        order_line_id,
        order_id
    from {{ ref('stg_shop__order_lines') }}

),

listed as (

    select
        order_line_id,
        order_id,
        shipment_id
    from {{ ref('stg_wms__shipment_lines') }}

),

listed_orders as (

    select distinct order_id from listed

),

parcels as (

    select
        *,
        {{ parcel_number() }} as parcel_number
    from {{ ref('stg_wms__shipments') }}

),

final as (

    select
        lines.order_line_id,
        lines.order_id,
        parcels.shipment_id,
        parcels.parcel_number,
        parcels.warehouse_id,
        parcels.status as shipment_status,
        parcels.shipped_at,
        parcels.delivered_at,
        parcels.failed_at
    from lines
    left join listed on lines.order_line_id = listed.order_line_id
    left join listed_orders on lines.order_id = listed_orders.order_id
    inner join parcels
        on
            lines.order_id = parcels.order_id
            and (
                listed.shipment_id = parcels.shipment_id
                or (listed_orders.order_id is null and parcels.parcel_number = 1)
            )

)

select * from final
