-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    select * from {{ source('shop', 'sku_costs') }}

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
