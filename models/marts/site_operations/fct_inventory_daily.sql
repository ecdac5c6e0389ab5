-- Closing system stock per shop-local day, warehouse and SKU, valued at cost (库存).
-- Stock may be counted on any cadence (daily, weekly): between two counts of a warehouse,
-- and after its last count up to the last day of the data, each SKU it counted keeps the
-- stock of that count (carried forward, never read as zero); a SKU missing from a later
-- count of its warehouse is no longer stocked there. A shop counting daily gets its counts.
-- Incremental by day (macro rebuild_from): from the first day touched by a count or by
-- orders (which extend the last day); the count standing on that day is read with it.
{% set domain = ['inventory', 'orders'] %}
{{ config(**incremental_by_day('snapshot_date', domain)) }}
with counts as (

    select * from {{ ref('stg_wms__inventory_snapshots') }}
    {%- if reads_rebuilt_days_only() %}
        -- the counts from the one standing on the first rebuilt day on
        where snapshot_date >= coalesce((
            select max(standing.snapshot_date)
            from {{ ref('stg_wms__inventory_snapshots') }} as standing
            where standing.snapshot_date <= {{ first_rebuilt_day(domain) }}
        ), {{ first_rebuilt_day(domain) }})
    {%- endif %}

),

count_days as (

    select
        warehouse_id,
        snapshot_date as counted_date,
        lead(snapshot_date) over (
            partition by warehouse_id order by snapshot_date
        ) as next_counted_date
    from (
        select distinct
            warehouse_id,
            snapshot_date
        from counts
    ) as counted

),

-- the last day of the data: the last order day, or the last count when later
last_order_day as (

    select max(placed_date) as placed_date from {{ ref('stg_shop__orders') }}

),

horizon as (

    select
        greatest(
            coalesce(max(last_order_day.placed_date), max(counts.snapshot_date)),
            max(counts.snapshot_date)
        ) as last_date
    from counts
    cross join last_order_day

),

carried as (

    select
        dim_date.date_day as snapshot_date,
        counts.snapshot_date as counted_date,
        counts.warehouse_id,
        counts.sku_id,
        counts.system_quantity,
        counts.unit_cost
    from counts
    inner join count_days
        on
            counts.warehouse_id = count_days.warehouse_id
            and counts.snapshot_date = count_days.counted_date
    cross join horizon
    inner join {{ ref('dim_date') }} as dim_date
        on
            count_days.counted_date <= dim_date.date_day
            and (
                count_days.next_counted_date > dim_date.date_day
                or (count_days.next_counted_date is null and horizon.last_date >= dim_date.date_day)
            )
    where {{ rebuilt_days_only('dim_date.date_day', domain) }}

),

warehouses as (

    select * from {{ ref('dim_warehouse') }}

),

products as (

    select * from {{ ref('dim_product') }}

),

final as (

    select
        carried.snapshot_date,
        coalesce(warehouses.warehouse_key, {{ unknown_key() }}) as warehouse_key,
        carried.warehouse_id,
        coalesce(products.product_key, {{ unknown_key() }}) as product_key,
        carried.sku_id,
        carried.counted_date,
        carried.snapshot_date = carried.counted_date as is_counted,
        carried.system_quantity,
        carried.unit_cost,
        carried.system_quantity * carried.unit_cost as stock_value,
        carried.system_quantity > 0 as is_in_stock
    from carried
    left join warehouses on carried.warehouse_id = warehouses.warehouse_id
    left join products on carried.sku_id = products.sku_id

)

select * from final
