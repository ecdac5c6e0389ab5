-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    select * from {{ source('shop', 'order_lines') }}

),

renamed as (

    select
        order_line_id,
        order_id,
        line_number,
        sku_id,
        placed_at,
        {{ shop_time_columns('placed_at', 'placed') }},
        quantity,
        {{ in_reporting_currency('unit_list_price') }} as unit_list_price,
        unit_list_price as unit_list_price_original,
        {{ in_reporting_currency('unit_price') }} as unit_price,
        unit_price as unit_price_original,
        {{ in_reporting_currency('line_amount') }} as line_amount,
        line_amount as line_amount_original,
        line_status,
        coupon_code,
        campaign_code,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
