-- One row per order placed (test orders included, flagged), with its settlement, channel,
-- fulfilment and money: GMV, refunds, net sales, cost of goods sold and gross profit.
-- Incremental by order day, as fct_order_lines.
{{ config(**incremental_by_day('placed_date', 'orders')) }}
with orders as (

    select * from {{ ref('int_orders_settled') }}
    where {{ rebuilt_days_only('placed_date', 'orders') }}

),

fulfilment as (

    select * from {{ ref('int_orders_fulfilled') }}

),

attribution as (

    select * from {{ ref('int_orders_attributed') }}
    where {{ rebuilt_days_only('placed_date', 'orders') }}

),

lines as (

    select
        order_id,
        count(*) as lines_attempted,
        sum(case when is_refused_no_stock then 1 else 0 end) as lines_refused_no_stock,
        sum(quantity_accepted) as items_ordered,
        sum(quantity_sold) as items_sold,
        sum(quantity_delivered) as items_delivered,
        sum(quantity_returned) as items_returned,
        sum(quantity_exchanged) as items_exchanged,
        sum(list_amount) as list_amount,
        sum(discount_amount) as discount_amount,
        sum(refund_amount) as line_refund_amount,
        sum(net_sales) as net_sales,
        sum(cogs) as cogs,
        sum(gross_profit) as gross_profit
    from {{ ref('fct_order_lines') }}
    where {{ rebuilt_days_only('placed_date', 'orders') }}
    group by order_id

),

customers as (

    select * from {{ ref('dim_customer') }}

),

payment_methods as (

    select * from {{ ref('dim_payment_method') }}

),

delivery_methods as (

    select * from {{ ref('dim_delivery_method') }}

),

warehouses as (

    select * from {{ ref('dim_warehouse') }}

),

channels as (

    select * from {{ ref('dim_channel') }}

),

campaigns as (

    select * from {{ ref('dim_campaign') }}

),

final as (

    select
        {{ surrogate_key(['orders.order_id']) }} as order_key,
        orders.order_id,
        coalesce(customers.customer_key, {{ unknown_key() }}) as customer_key,
        orders.customer_id,
        orders.customer_type,
        orders.is_first_valid_order,
        orders.first_valid_order_date as customer_first_valid_order_date,
        orders.previous_valid_order_date,
        orders.visitor_id,
        orders.placed_at,
        orders.placed_at_local,
        orders.placed_date,
        fulfilment.order_slot_code,
        orders.paid_at,
        orders.cancelled_at,
        orders.cancellation_reason,
        orders.is_test,
        orders.is_fraud,
        orders.is_paid,
        orders.is_cancelled,
        orders.is_valid,
        case when orders.is_test then 0 else 1 end as order_count,
        case when orders.is_valid then 1 else 0 end as valid_order_count,
        coalesce(payment_methods.payment_method_key, {{ unknown_key() }}) as payment_method_key,
        orders.payment_method,
        fulfilment.is_cash_on_delivery,
        coalesce(delivery_methods.delivery_method_key, {{ unknown_key() }})
            as delivery_method_key,
        orders.delivery_method,
        coalesce(warehouses.warehouse_key, {{ unknown_key() }}) as warehouse_key,
        orders.warehouse_id,
        coalesce(channels.channel_key, {{ unknown_key() }}) as channel_key,
        attribution.channel,
        {{ campaign_key('attribution.attributed_campaign_code', 'campaigns.campaign_key') }}
            as attributed_campaign_key,
        attribution.attributed_campaign_code,
        orders.campaign_code as promotion_campaign_code,
        orders.coupon_code,
        fulfilment.shipment_id,
        fulfilment.shipment_status,
        fulfilment.shipped_at,
        fulfilment.delivered_at,
        fulfilment.is_fulfilment_due,
        fulfilment.is_shipped_by_slot_cutoff,
        lines.lines_attempted,
        lines.lines_refused_no_stock,
        lines.items_ordered,
        lines.items_sold,
        lines.items_delivered,
        lines.items_returned,
        lines.items_exchanged,
        lines.list_amount,
        lines.discount_amount,
        case when orders.is_test then 0 else orders.items_amount end as gmv,
        orders.items_amount,
        orders.shipping_fee,
        orders.order_total,
        orders.paid_amount,
        lines.line_refund_amount,
        orders.cancellation_refund_amount,
        lines.net_sales,
        lines.cogs,
        lines.gross_profit
    from orders
    inner join fulfilment on orders.order_id = fulfilment.order_id
    inner join attribution on orders.order_id = attribution.order_id
    left join lines on orders.order_id = lines.order_id
    left join customers on coalesce(orders.customer_id, 'guest') = customers.customer_id
    left join payment_methods on orders.payment_method = payment_methods.payment_method
    left join delivery_methods on orders.delivery_method = delivery_methods.delivery_method
    left join warehouses on orders.warehouse_id = warehouses.warehouse_id
    left join channels on attribution.channel = channels.channel
    left join campaigns on attribution.attributed_campaign_code = campaigns.campaign_code

)

select * from final
