-- One row per inbound receipt: how long shelving took against the warehouse's shelving
-- SLA (限时上架).
with receipts as (

    select * from {{ ref('stg_wms__inbound_receipts') }}

),

warehouses as (

    select * from {{ ref('dim_warehouse') }}

),

products as (

    select * from {{ ref('dim_product') }}

),

final as (

    select
        {{ surrogate_key(['receipts.receipt_id']) }} as receipt_key,
        receipts.receipt_id,
        coalesce(warehouses.warehouse_key, {{ unknown_key() }}) as warehouse_key,
        receipts.warehouse_id,
        coalesce(products.product_key, {{ unknown_key() }}) as product_key,
        receipts.sku_id,
        receipts.quantity,
        receipts.unit_cost,
        receipts.quantity * receipts.unit_cost as receipt_value,
        receipts.received_at,
        receipts.received_date,
        receipts.shelved_at,
        receipts.shelved_date,
        {{ hours_between('receipts.received_at', 'receipts.shelved_at') }} as shelving_hours,
        warehouses.shelving_sla_hours,
        receipts.shelved_at is not null as is_shelved,
        receipts.shelved_at is not null
        and {{ hours_between('receipts.received_at', 'receipts.shelved_at') }}
        <= warehouses.shelving_sla_hours as is_shelved_on_time
    from receipts
    left join warehouses on receipts.warehouse_id = warehouses.warehouse_id
    left join products on receipts.sku_id = products.sku_id

)

select * from final
