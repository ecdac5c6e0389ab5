-- Closing system stock per shop-local day, warehouse and SKU, valued at cost (库存).
-- Incremental by snapshot day (macro rebuild_from).
{{ config(**incremental_by_day('snapshot_date', 'inventory')) }}
with snapshots as (

    select * from {{ ref('stg_wms__inventory_snapshots') }}
    where {{ rebuilt_days_only('snapshot_date', 'inventory') }}

),

warehouses as (

    select * from {{ ref('dim_warehouse') }}

),

products as (

    select * from {{ ref('dim_product') }}

),

final as (

    select
        snapshots.snapshot_date,
        coalesce(warehouses.warehouse_key, {{ unknown_key() }}) as warehouse_key,
        snapshots.warehouse_id,
        coalesce(products.product_key, {{ unknown_key() }}) as product_key,
        snapshots.sku_id,
        snapshots.system_quantity,
        snapshots.unit_cost,
        snapshots.system_quantity * snapshots.unit_cost as stock_value,
        snapshots.system_quantity > 0 as is_in_stock
    from snapshots
    left join warehouses on snapshots.warehouse_id = warehouses.warehouse_id
    left join products on snapshots.sku_id = products.sku_id

)

select * from final
