-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    {{ latest_version(
        source('shop', 'sku_costs'),
        key_columns=['sku_id', 'valid_from'],
        updated_at=none
    ) }}

),

renamed as (

    select
        sku_id,
        valid_from as valid_from_at,
        {{ shop_time_columns('valid_from', 'valid_from') }},
        unit_cost,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
