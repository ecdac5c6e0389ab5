-- One row per return or exchange (退换货) of a delivered item, with its refund. The days
-- from delivery count from the delivery of the parcel that carried the returned line (an
-- order shipped in several parcels is delivered at different times).
with returns as (

    select * from {{ ref('stg_shop__returns') }}

),

refunds as (

    select
        return_id,
        min(refunded_at) as refunded_at,
        sum(amount) as refund_amount
    from {{ ref('stg_shop__refunds') }}
    where return_id is not null
    group by return_id

),

lines as (

    select
        order_line_id,
        product_key,
        warehouse_key,
        placed_date,
        unit_price
    from {{ ref('fct_order_lines') }}

),

shipped as (

    select
        order_line_id,
        delivered_at
    from {{ ref('int_order_lines_shipped') }}

),

final as (

    select
        {{ surrogate_key(['returns.return_id']) }} as return_key,
        returns.return_id,
        returns.order_id,
        returns.order_line_id,
        coalesce(lines.product_key, {{ unknown_key() }}) as product_key,
        returns.sku_id,
        coalesce(lines.warehouse_key, {{ unknown_key() }}) as warehouse_key,
        lines.placed_date as order_placed_date,
        returns.return_type,
        returns.reason,
        returns.quantity,
        returns.quantity * lines.unit_price as returned_amount,
        returns.requested_at,
        returns.requested_date,
        returns.received_at,
        returns.received_date,
        refunds.refunded_at,
        coalesce(refunds.refund_amount, 0) as refund_amount,
        {{ hours_between('shipped.delivered_at', 'returns.requested_at') }} / 24.0
            as days_from_delivery_to_request,
        returns.received_at is not null as is_received,
        refunds.refunded_at is not null as is_refunded
    from returns
    left join refunds on returns.return_id = refunds.return_id
    left join lines on returns.order_line_id = lines.order_line_id
    left join shipped on returns.order_line_id = shipped.order_line_id

)

select * from final
