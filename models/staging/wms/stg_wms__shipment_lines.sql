-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    select * from {{ source('wms', 'shipment_lines') }}

),

renamed as (

    select
        shipment_id,
        order_id,
        order_line_id,
        shipped_at,
        {{ shop_time_columns('shipped_at', 'shipped') }},
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
