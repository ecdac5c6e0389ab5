-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    select * from {{ source('wms', 'picking_exceptions') }}

),

renamed as (

    select
        exception_id,
        order_id,
        order_line_id,
        warehouse_id,
        sku_id,
        detected_at,
        {{ shop_time_columns('detected_at', 'detected') }},
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
