-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    select * from {{ source('shop', 'orders') }}

),

renamed as (

    select
        order_id,
        customer_id,
        visitor_id,
        placed_at,
        {{ shop_time_columns('placed_at', 'placed') }},
        currency,
        items_amount,
        shipping_fee,
        order_total,
        coupon_code,
        campaign_code,
        payment_method,
        delivery_method,
        warehouse_id,
        is_test,
        is_fraud,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
