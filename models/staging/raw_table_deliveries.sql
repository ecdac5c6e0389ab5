-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
select
    'web' as source_name,
    'events' as table_name,
    'web.events' as raw_table,
    false as is_required,
    (select count(*) from {{ source('web', 'events') }}) > 0 as is_delivered
union all
select
    'shop' as source_name,
    'customers' as table_name,
    'shop.customers' as raw_table,
    true as is_required,
    (select count(*) from {{ source('shop', 'customers') }}) > 0 as is_delivered
union all
select
    'shop' as source_name,
    'products' as table_name,
    'shop.products' as raw_table,
    true as is_required,
    (select count(*) from {{ source('shop', 'products') }}) > 0 as is_delivered
union all
select
    'shop' as source_name,
    'sku_costs' as table_name,
    'shop.sku_costs' as raw_table,
    true as is_required,
    (select count(*) from {{ source('shop', 'sku_costs') }}) > 0 as is_delivered
union all
select
    'shop' as source_name,
    'orders' as table_name,
    'shop.orders' as raw_table,
    true as is_required,
    (select count(*) from {{ source('shop', 'orders') }}) > 0 as is_delivered
union all
select
    'shop' as source_name,
    'order_lines' as table_name,
    'shop.order_lines' as raw_table,
    true as is_required,
    (select count(*) from {{ source('shop', 'order_lines') }}) > 0 as is_delivered
union all
select
    'shop' as source_name,
    'payments' as table_name,
    'shop.payments' as raw_table,
    true as is_required,
    (select count(*) from {{ source('shop', 'payments') }}) > 0 as is_delivered
union all
select
    'shop' as source_name,
    'cancellations' as table_name,
    'shop.cancellations' as raw_table,
    true as is_required,
    (select count(*) from {{ source('shop', 'cancellations') }}) > 0 as is_delivered
union all
select
    'shop' as source_name,
    'refunds' as table_name,
    'shop.refunds' as raw_table,
    true as is_required,
    (select count(*) from {{ source('shop', 'refunds') }}) > 0 as is_delivered
union all
select
    'shop' as source_name,
    'returns' as table_name,
    'shop.returns' as raw_table,
    true as is_required,
    (select count(*) from {{ source('shop', 'returns') }}) > 0 as is_delivered
union all
select
    'wms' as source_name,
    'warehouses' as table_name,
    'wms.warehouses' as raw_table,
    true as is_required,
    (select count(*) from {{ source('wms', 'warehouses') }}) > 0 as is_delivered
union all
select
    'wms' as source_name,
    'inventory_snapshots' as table_name,
    'wms.inventory_snapshots' as raw_table,
    false as is_required,
    (select count(*) from {{ source('wms', 'inventory_snapshots') }}) > 0 as is_delivered
union all
select
    'wms' as source_name,
    'inbound_receipts' as table_name,
    'wms.inbound_receipts' as raw_table,
    false as is_required,
    (select count(*) from {{ source('wms', 'inbound_receipts') }}) > 0 as is_delivered
union all
select
    'wms' as source_name,
    'picking_exceptions' as table_name,
    'wms.picking_exceptions' as raw_table,
    false as is_required,
    (select count(*) from {{ source('wms', 'picking_exceptions') }}) > 0 as is_delivered
union all
select
    'wms' as source_name,
    'shipments' as table_name,
    'wms.shipments' as raw_table,
    true as is_required,
    (select count(*) from {{ source('wms', 'shipments') }}) > 0 as is_delivered
union all
select
    'wms' as source_name,
    'shipment_lines' as table_name,
    'wms.shipment_lines' as raw_table,
    false as is_required,
    (select count(*) from {{ source('wms', 'shipment_lines') }}) > 0 as is_delivered
union all
select
    'wms' as source_name,
    'warehouse_costs' as table_name,
    'wms.warehouse_costs' as raw_table,
    false as is_required,
    (select count(*) from {{ source('wms', 'warehouse_costs') }}) > 0 as is_delivered
union all
select
    'marketing' as source_name,
    'campaigns' as table_name,
    'marketing.campaigns' as raw_table,
    false as is_required,
    (select count(*) from {{ source('marketing', 'campaigns') }}) > 0 as is_delivered
union all
select
    'marketing' as source_name,
    'ad_spend' as table_name,
    'marketing.ad_spend' as raw_table,
    false as is_required,
    (select count(*) from {{ source('marketing', 'ad_spend') }}) > 0 as is_delivered
union all
select
    'marketing' as source_name,
    'coupons' as table_name,
    'marketing.coupons' as raw_table,
    false as is_required,
    (select count(*) from {{ source('marketing', 'coupons') }}) > 0 as is_delivered
union all
select
    'marketing' as source_name,
    'partner_commissions' as table_name,
    'marketing.partner_commissions' as raw_table,
    false as is_required,
    (select count(*) from {{ source('marketing', 'partner_commissions') }}) > 0 as is_delivered
union all
select
    'market' as source_name,
    'market_category_gmv' as table_name,
    'market.market_category_gmv' as raw_table,
    false as is_required,
    (select count(*) from {{ source('market', 'market_category_gmv') }}) > 0 as is_delivered
union all
select
    'market' as source_name,
    'site_rankings' as table_name,
    'market.site_rankings' as raw_table,
    false as is_required,
    (select count(*) from {{ source('market', 'site_rankings') }}) > 0 as is_delivered
union all
select
    'monitoring' as source_name,
    'probes' as table_name,
    'monitoring.probes' as raw_table,
    false as is_required,
    (select count(*) from {{ source('monitoring', 'probes') }}) > 0 as is_delivered
