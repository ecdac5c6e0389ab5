-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    {{ latest_version(
        source('wms', 'inventory_snapshots'),
        key_columns=['snapshot_date', 'warehouse_id', 'sku_id'],
        updated_at=none
    ) }}

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
