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
        unit_list_price,
        unit_price,
        line_amount,
        line_status,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
