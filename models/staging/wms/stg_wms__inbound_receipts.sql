-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    {{ latest_version(
        source('wms', 'inbound_receipts'),
        key_columns=['receipt_id'],
        updated_at='updated_at'
    ) }}

),

renamed as (

    select
        receipt_id,
        warehouse_id,
        sku_id,
        quantity,
        unit_cost,
        received_at,
        {{ shop_time_columns('received_at', 'received') }},
        shelved_at,
        {{ shop_time_columns('shelved_at', 'shelved') }},
        updated_at,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
