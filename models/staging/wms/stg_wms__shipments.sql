-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    {{ latest_version(
        source('wms', 'shipments'),
        key_columns=['shipment_id'],
        updated_at='updated_at'
    ) }}

),

renamed as (

    select
        shipment_id,
        order_id,
        warehouse_id,
        carrier,
        delivery_method,
        shipped_at,
        {{ shop_time_columns('shipped_at', 'shipped') }},
        delivered_at,
        {{ shop_time_columns('delivered_at', 'delivered') }},
        failed_at,
        {{ shop_time_columns('failed_at', 'failed') }},
        status,
        shipping_cost,
        updated_at,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
