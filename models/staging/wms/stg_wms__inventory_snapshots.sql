-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    select * from {{ source('wms', 'inventory_snapshots') }}

),

renamed as (

    select
        snapshot_date,
        warehouse_id,
        sku_id,
        system_quantity,
        unit_cost,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
