-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    {{ latest_version(
        source('wms', 'warehouses'),
        key_columns=['warehouse_id'],
        updated_at='updated_at'
    ) }}

),

renamed as (

    select
        warehouse_id,
        warehouse_name,
        region,
        city,
        ship_sla_hours,
        shelving_sla_hours,
        delivery_sla_hours,
        updated_at,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
