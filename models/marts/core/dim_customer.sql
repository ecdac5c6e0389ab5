{% set member_columns = [
    'registered_at', 'registered_date', 'email_hash', 'phone_masked', 'province', 'city',
    'referred_by_customer_id', 'first_valid_order_id', 'first_valid_order_at',
    'first_valid_order_date', 'acquisition_channel', 'is_guest'
] %}
-- Customers without personal data in clear (e-mail hashed, phone masked, name dropped),
-- with their first valid order and the channel that acquired them. Besides the unknown
-- member, a "guest" member stands for orders placed without an account.
with customers as (

    select * from {{ ref('stg_shop__customers') }}

),

first_orders as (

    select
        orders.customer_id,
        orders.order_id as first_valid_order_id,
        orders.placed_at as first_valid_order_at,
        orders.placed_date as first_valid_order_date,
        attribution.channel as acquisition_channel
    from {{ ref('int_orders_settled') }} as orders
    inner join {{ ref('int_orders_attributed') }} as attribution
        on orders.order_id = attribution.order_id
    where orders.is_first_valid_order

),

final as (

    select
        {{ surrogate_key(['customers.customer_id']) }} as customer_key,
        customers.customer_id,
        customers.registered_at,
        customers.registered_date,
        customers.email_hash,
        customers.phone_masked,
        customers.province,
        customers.city,
        customers.referred_by_customer_id,
        first_orders.first_valid_order_id,
        first_orders.first_valid_order_at,
        first_orders.first_valid_order_date,
        coalesce(first_orders.acquisition_channel, 'none') as acquisition_channel,
        false as is_guest
    from customers
    left join first_orders on customers.customer_id = first_orders.customer_id

    union all

    {{ special_member(
        'customer_key', 'customer_id',
        member_columns,
        member='guest',
        values={'is_guest': 'true'}
    ) }}

    union all

    {{ special_member(
        'customer_key', 'customer_id',
        member_columns,
        values={'is_guest': 'false'}
    ) }}

)

select * from final
