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
        {{ in_reporting_currency('items_amount') }} as items_amount,
        items_amount as items_amount_original,
        {{ in_reporting_currency('shipping_fee') }} as shipping_fee,
        shipping_fee as shipping_fee_original,
        {{ in_reporting_currency('order_total') }} as order_total,
        order_total as order_total_original,
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
