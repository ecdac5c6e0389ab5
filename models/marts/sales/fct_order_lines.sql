-- One row per order line (including lines refused at checkout), with the order's
-- validity and the line's sold quantity, net sales, cost of goods sold and gross profit.
-- A line's warehouse and delivery are those of the parcel that carried it (an order may
-- ship in several parcels from several warehouses); before it ships, its order's. Its
-- promotion and coupon are its own when the shop records codes per line, else its order's.
-- Incremental by order day: a run rebuilds the order days its loads touched (late
-- deliveries, returns and refunds touch their order's day) and every later day.
{{ config(**incremental_by_day('placed_date', 'orders')) }}
with lines as (

    select * from {{ ref('int_order_lines_costed') }}
    where {{ rebuilt_days_only('placed_date', 'orders') }}

),

orders as (

    select * from {{ ref('int_orders_settled') }}

),

shipped as (

    select * from {{ ref('int_order_lines_shipped') }}

),

products as (

    select * from {{ ref('dim_product') }}

),

warehouses as (

    select * from {{ ref('dim_warehouse') }}

),

measured as (

    select
        lines.*,
        orders.customer_id,
        orders.customer_type,
        coalesce(shipped.warehouse_id, orders.warehouse_id) as warehouse_id,
        coalesce(lines.campaign_code, orders.campaign_code) as promotion_campaign_code,
        coalesce(lines.coupon_code, orders.coupon_code) as line_coupon_code,
        shipped.shipment_id,
        shipped.delivered_at,
        orders.is_test,
        orders.is_valid,
        shipped.shipment_status = 'delivered' as is_delivered,
        lines.quantity_accepted - lines.quantity_short_picked as quantity_fulfillable,
        lines.return_refund_amount + lines.short_pick_refund_amount as refund_amount,
        case
            when orders.is_valid
                then lines.line_amount - lines.return_refund_amount - lines.short_pick_refund_amount
            else 0
        end as net_sales,
        -- cost of the items the customer kept: not short-picked, not returned for a refund
        case
            when orders.is_valid
                then
                    coalesce(lines.unit_cost, 0) * (
                        lines.quantity_accepted
                        - lines.quantity_short_picked
                        - lines.quantity_refunded_returned
                    )
            else 0
        end as cogs
    from lines
    inner join orders on lines.order_id = orders.order_id
    left join shipped on lines.order_line_id = shipped.order_line_id

),

final as (

    select
        {{ surrogate_key(['measured.order_line_id']) }} as order_line_key,
        measured.order_line_id,
        measured.order_id,
        measured.line_number,
        coalesce(products.product_key, {{ unknown_key() }}) as product_key,
        measured.sku_id,
        coalesce(warehouses.warehouse_key, {{ unknown_key() }}) as warehouse_key,
        measured.warehouse_id,
        measured.shipment_id,
        measured.delivered_at,
        measured.customer_id,
        measured.customer_type,
        measured.placed_at,
        measured.placed_date,
        measured.line_status,
        measured.promotion_campaign_code,
        measured.line_coupon_code as coupon_code,
        measured.is_test,
        measured.is_valid,
        measured.is_refused_no_stock,
        measured.is_short_picked,
        measured.short_picked_at,
        measured.is_missing_cost,
        measured.quantity_attempted,
        measured.quantity_accepted,
        measured.quantity_short_picked,
        case when measured.is_valid then measured.quantity_fulfillable else 0 end
            as quantity_sold,
        case when measured.is_delivered then measured.quantity_fulfillable else 0 end
            as quantity_delivered,
        measured.quantity_returned,
        measured.quantity_exchanged,
        measured.first_return_requested_at,
        measured.unit_list_price,
        measured.unit_price,
        measured.unit_cost,
        measured.list_amount,
        measured.list_amount - measured.line_amount as discount_amount,
        measured.line_amount,
        case when measured.is_test then 0 else measured.line_amount end as gmv,
        measured.return_refund_amount,
        measured.short_pick_refund_amount,
        measured.refund_amount,
        measured.net_sales,
        measured.cogs,
        measured.net_sales - measured.cogs as gross_profit
    from measured
    left join products on measured.sku_id = products.sku_id
    left join warehouses on measured.warehouse_id = warehouses.warehouse_id

)

select * from final
