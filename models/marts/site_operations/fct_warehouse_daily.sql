-- One row per shop-local day and warehouse: operating cost (仓储成本), parcels shipped and
-- their shipping cost (配送成本), the end-of-day backlog (压单), stock-out lines (系统报缺,
-- 实物报缺) and inbound receipts shelved (限时上架).
with spine as (

    select * from {{ ref('int_warehouse_days_spined') }}

),

costs as (

    select
        cost_date,
        warehouse_id,
        sum(case when cost_type = 'labour' then amount else 0 end) as labour_cost,
        sum(case when cost_type = 'rent' then amount else 0 end) as rent_cost,
        sum(case when cost_type = 'packaging' then amount else 0 end) as packaging_cost,
        sum(case when cost_type = 'utilities' then amount else 0 end) as utilities_cost,
        sum(amount) as warehousing_cost
    from {{ ref('stg_wms__warehouse_costs') }}
    group by cost_date, warehouse_id

),

shipped as (

    select
        shipped_date,
        warehouse_id,
        count(*) as shipped_orders,
        sum(shipping_cost) as shipping_cost
    from {{ ref('fct_shipments') }}
    group by shipped_date, warehouse_id

),

backlog as (

    select * from {{ ref('int_warehouse_backlog_daily') }}

),

stock_outs as (

    select
        placed_date,
        warehouse_id,
        count(*) as lines_attempted,
        sum(case when is_refused_no_stock then 1 else 0 end) as lines_refused_no_stock,
        sum(case when is_refused_no_stock then 0 else 1 end) as lines_accepted,
        sum(case when is_short_picked then 1 else 0 end) as lines_short_picked
    from {{ ref('fct_order_lines') }}
    where not is_test
    group by placed_date, warehouse_id

),

receipts as (

    select
        received_date,
        warehouse_id,
        count(*) as receipts_received,
        sum(case when is_shelved_on_time then 1 else 0 end) as receipts_shelved_on_time
    from {{ ref('fct_inbound_receipts') }}
    group by received_date, warehouse_id

),

warehouses as (

    select * from {{ ref('dim_warehouse') }}

),

final as (

    select
        spine.date_day,
        coalesce(warehouses.warehouse_key, {{ unknown_key() }}) as warehouse_key,
        spine.warehouse_id,
        coalesce(costs.labour_cost, 0) as labour_cost,
        coalesce(costs.rent_cost, 0) as rent_cost,
        coalesce(costs.packaging_cost, 0) as packaging_cost,
        coalesce(costs.utilities_cost, 0) as utilities_cost,
        coalesce(costs.warehousing_cost, 0) as warehousing_cost,
        coalesce(shipped.shipped_orders, 0) as shipped_orders,
        coalesce(shipped.shipping_cost, 0) as shipping_cost,
        backlog.orders_awaiting_shipment,
        backlog.orders_overdue,
        coalesce(stock_outs.lines_attempted, 0) as lines_attempted,
        coalesce(stock_outs.lines_refused_no_stock, 0) as lines_refused_no_stock,
        coalesce(stock_outs.lines_accepted, 0) as lines_accepted,
        coalesce(stock_outs.lines_short_picked, 0) as lines_short_picked,
        coalesce(receipts.receipts_received, 0) as receipts_received,
        coalesce(receipts.receipts_shelved_on_time, 0) as receipts_shelved_on_time
    from spine
    left join warehouses on spine.warehouse_id = warehouses.warehouse_id
    left join costs
        on spine.date_day = costs.cost_date and spine.warehouse_id = costs.warehouse_id
    left join shipped
        on spine.date_day = shipped.shipped_date and spine.warehouse_id = shipped.warehouse_id
    left join backlog
        on spine.date_day = backlog.date_day and spine.warehouse_id = backlog.warehouse_id
    left join stock_outs
        on spine.date_day = stock_outs.placed_date and spine.warehouse_id = stock_outs.warehouse_id
    left join receipts
        on spine.date_day = receipts.received_date and spine.warehouse_id = receipts.warehouse_id

)

select * from final
