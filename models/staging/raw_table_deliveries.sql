-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
select
    'web' as source_name,
    'events' as table_name,
    'web.events' as raw_table,
    false as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'events' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'shop' as source_name,
    'customers' as table_name,
    'shop.customers' as raw_table,
    true as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'customers' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'shop' as source_name,
    'products' as table_name,
    'shop.products' as raw_table,
    true as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'products' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'shop' as source_name,
    'sku_costs' as table_name,
    'shop.sku_costs' as raw_table,
    true as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'sku_costs' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'shop' as source_name,
    'orders' as table_name,
    'shop.orders' as raw_table,
    true as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'orders' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'shop' as source_name,
    'order_lines' as table_name,
    'shop.order_lines' as raw_table,
    true as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'order_lines' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'shop' as source_name,
    'payments' as table_name,
    'shop.payments' as raw_table,
    true as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'payments' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'shop' as source_name,
    'cancellations' as table_name,
    'shop.cancellations' as raw_table,
    true as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'cancellations' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'shop' as source_name,
    'refunds' as table_name,
    'shop.refunds' as raw_table,
    true as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'refunds' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'shop' as source_name,
    'returns' as table_name,
    'shop.returns' as raw_table,
    true as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'returns' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'wms' as source_name,
    'warehouses' as table_name,
    'wms.warehouses' as raw_table,
    true as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'warehouses' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'wms' as source_name,
    'inventory_snapshots' as table_name,
    'wms.inventory_snapshots' as raw_table,
    false as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'inventory_snapshots' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'wms' as source_name,
    'inbound_receipts' as table_name,
    'wms.inbound_receipts' as raw_table,
    false as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'inbound_receipts' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'wms' as source_name,
    'picking_exceptions' as table_name,
    'wms.picking_exceptions' as raw_table,
    false as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'picking_exceptions' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'wms' as source_name,
    'shipments' as table_name,
    'wms.shipments' as raw_table,
    true as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'shipments' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'wms' as source_name,
    'shipment_lines' as table_name,
    'wms.shipment_lines' as raw_table,
    false as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'shipment_lines' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'wms' as source_name,
    'warehouse_costs' as table_name,
    'wms.warehouse_costs' as raw_table,
    false as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'warehouse_costs' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'marketing' as source_name,
    'campaigns' as table_name,
    'marketing.campaigns' as raw_table,
    false as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'campaigns' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'marketing' as source_name,
    'ad_spend' as table_name,
    'marketing.ad_spend' as raw_table,
    false as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'ad_spend' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'marketing' as source_name,
    'coupons' as table_name,
    'marketing.coupons' as raw_table,
    false as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'coupons' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'marketing' as source_name,
    'partner_commissions' as table_name,
    'marketing.partner_commissions' as raw_table,
    false as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'partner_commissions' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'market' as source_name,
    'market_category_gmv' as table_name,
    'market.market_category_gmv' as raw_table,
    false as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'market_category_gmv' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'market' as source_name,
    'site_rankings' as table_name,
    'market.site_rankings' as raw_table,
    false as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'site_rankings' and status = 'loaded'
    ) > 0 as is_delivered
union all
select
    'monitoring' as source_name,
    'probes' as table_name,
    'monitoring.probes' as raw_table,
    false as is_required,
    (
        select count(*) from {{ source('pipeline', 'ingest_log') }}
        where table_name = 'probes' and status = 'loaded'
    ) > 0 as is_delivered
