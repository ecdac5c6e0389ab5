-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    select * from {{ source('wms', 'warehouse_costs') }}

),

renamed as (

    select
        cost_date,
        warehouse_id,
        cost_type,
        amount,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
