-- One row per order with its settlement: payment, cancellation, refunds, and the validity
-- rule. A valid order (有效订单) is paid (online, or cash collected on delivery), not
-- cancelled, and flagged neither as test nor as fraud.
with orders as (

    select * from {{ ref('stg_shop__orders') }}

),

payments as (

    select
        order_id,
        min(case when status = 'success' then attempted_at end) as paid_at,
        sum(case when status = 'success' then amount else 0 end) as paid_amount,
        count(*) as payment_attempts,
        sum(case when status = 'failed' then 1 else 0 end) as failed_payment_attempts
    from {{ ref('stg_shop__payments') }}
    group by order_id

),

cancellations as (

    select * from {{ ref('stg_shop__cancellations') }}

),

cancellation_refunds as (

    select
        order_id,
        sum(amount) as cancellation_refund_amount
    from {{ ref('stg_shop__refunds') }}
    where refund_type = 'cancellation'
    group by order_id

),

settled as (

    select
        orders.order_id,
        orders.customer_id,
        orders.visitor_id,
        orders.placed_at,
        orders.placed_at_local,
        orders.placed_date,
        orders.currency,
        orders.items_amount,
        orders.shipping_fee,
        orders.order_total,
        orders.coupon_code,
        orders.campaign_code,
        orders.payment_method,
        orders.delivery_method,
        orders.warehouse_id,
        orders.is_test,
        orders.is_fraud,
        payments.paid_at,
        coalesce(payments.paid_amount, 0) as paid_amount,
        coalesce(payments.payment_attempts, 0) as payment_attempts,
        coalesce(payments.failed_payment_attempts, 0) as failed_payment_attempts,
        cancellations.cancelled_at,
        cancellations.reason as cancellation_reason,
        coalesce(cancellation_refunds.cancellation_refund_amount, 0)
            as cancellation_refund_amount,
        payments.paid_at is not null as is_paid,
        cancellations.cancelled_at is not null as is_cancelled
    from orders
    left join payments on orders.order_id = payments.order_id
    left join cancellations on orders.order_id = cancellations.order_id
    left join cancellation_refunds on orders.order_id = cancellation_refunds.order_id

),

validated as (

    select
        *,
        is_paid and not is_cancelled and not is_test and not is_fraud as is_valid
    from settled

),

sequenced as (

    select
        *,
        -- valid orders a customer had placed before this one (guests: null)
        case
            when customer_id is not null
                then
                    sum(case when is_valid then 1 else 0 end) over (
                        partition by customer_id
                        order by placed_at, order_id
                        rows between unbounded preceding and 1 preceding
                    )
        end as prior_valid_orders,
        -- day of the customer's first valid order up to and including this one (guests
        -- and customers with none yet: null); later orders never change it
        min(case when is_valid and customer_id is not null then placed_date end) over (
            partition by customer_id
            order by placed_at, order_id
            rows between unbounded preceding and current row
        ) as first_valid_order_date,
        -- day of the customer's previous valid order (guests and first orders: null)
        max(case when is_valid and customer_id is not null then placed_date end) over (
            partition by customer_id
            order by placed_at, order_id
            rows between unbounded preceding and 1 preceding
        ) as previous_valid_order_date
    from validated

),

final as (

    select
        *,
        case
            when customer_id is null then 'guest'
            when coalesce(prior_valid_orders, 0) = 0 then 'new'
            else 'returning'
        end as customer_type,
        is_valid and customer_id is not null and coalesce(prior_valid_orders, 0) = 0
            as is_first_valid_order
    from sequenced

)

select * from final
