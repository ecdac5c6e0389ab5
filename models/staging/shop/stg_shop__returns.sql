-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    {{ latest_version(
        source('shop', 'returns'),
        key_columns=['return_id'],
        updated_at='updated_at'
    ) }}

),

renamed as (

    select
        return_id,
        order_id,
        order_line_id,
        sku_id,
        quantity,
        return_type,
        reason,
        requested_at,
        {{ shop_time_columns('requested_at', 'requested') }},
        received_at,
        {{ shop_time_columns('received_at', 'received') }},
        updated_at,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
