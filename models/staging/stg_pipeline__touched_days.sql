-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
-- The shop-local business days the rows of each export day (raw partition) touched, per
-- domain of facts: the first day an incremental run rebuilds is the earliest day its export
-- days touched (macro rebuild_from), and every later day is rebuilt too.
--   web        the days of the events;
--   orders     the order days of every order a loaded order, line, payment, cancellation,
--              refund, return, shipment, parcel line or picking exception refers to (late
--              deliveries, returns and refunds touch the day of their order);
--   inventory  the snapshot days;
--   any        the event days of every raw table that has an event time (a market report
--              touches the month it reports).
-- Incremental by export day: a run adds (or replaces) the export days of its window.
{{ config(**touched_days_config()) }}
with web as (

    select
        'web' as domain_name,
        _partition_date as export_day,
        {{ shop_date('event_at') }} as touched_day
    from {{ source('web', 'events') }}
    where {{ touched_export_days() }}

),

order_references as (

    select
        order_id,
        _partition_date as export_day
    from {{ source('shop', 'orders') }}
    where {{ touched_export_days() }}
    union all
    select
        order_id,
        _partition_date as export_day
    from {{ source('shop', 'order_lines') }}
    where {{ touched_export_days() }}
    union all
    select
        order_id,
        _partition_date as export_day
    from {{ source('shop', 'payments') }}
    where {{ touched_export_days() }}
    union all
    select
        order_id,
        _partition_date as export_day
    from {{ source('shop', 'cancellations') }}
    where {{ touched_export_days() }}
    union all
    select
        order_id,
        _partition_date as export_day
    from {{ source('shop', 'refunds') }}
    where {{ touched_export_days() }}
    union all
    select
        order_id,
        _partition_date as export_day
    from {{ source('shop', 'returns') }}
    where {{ touched_export_days() }}
    union all
    select
        order_id,
        _partition_date as export_day
    from {{ source('wms', 'shipments') }}
    where {{ touched_export_days() }}
    union all
    select
        order_id,
        _partition_date as export_day
    from {{ source('wms', 'shipment_lines') }}
    where {{ touched_export_days() }}
    union all
    select
        order_id,
        _partition_date as export_day
    from {{ source('wms', 'picking_exceptions') }}
    where {{ touched_export_days() }}

),

orders as (

    select
        'orders' as domain_name,
        order_references.export_day,
        {{ shop_date('placed.placed_at') }} as touched_day
    from order_references
    inner join {{ source('shop', 'orders') }} as placed
        on order_references.order_id = placed.order_id

),

inventory as (

    select
        'inventory' as domain_name,
        _partition_date as export_day,
        snapshot_date as touched_day
    from {{ source('wms', 'inventory_snapshots') }}
    where {{ touched_export_days() }}

),

timed as (

    select
        'any' as domain_name,
        _partition_date as export_day,
        {{ shop_date('event_at') }} as touched_day
    from {{ source('web', 'events') }}
    where {{ touched_export_days() }}

    union all

    select
        'any' as domain_name,
        _partition_date as export_day,
        {{ shop_date('valid_from') }} as touched_day
    from {{ source('shop', 'sku_costs') }}
    where {{ touched_export_days() }}

    union all

    select
        'any' as domain_name,
        _partition_date as export_day,
        {{ shop_date('placed_at') }} as touched_day
    from {{ source('shop', 'orders') }}
    where {{ touched_export_days() }}

    union all

    select
        'any' as domain_name,
        _partition_date as export_day,
        {{ shop_date('placed_at') }} as touched_day
    from {{ source('shop', 'order_lines') }}
    where {{ touched_export_days() }}

    union all

    select
        'any' as domain_name,
        _partition_date as export_day,
        {{ shop_date('attempted_at') }} as touched_day
    from {{ source('shop', 'payments') }}
    where {{ touched_export_days() }}

    union all

    select
        'any' as domain_name,
        _partition_date as export_day,
        {{ shop_date('cancelled_at') }} as touched_day
    from {{ source('shop', 'cancellations') }}
    where {{ touched_export_days() }}

    union all

    select
        'any' as domain_name,
        _partition_date as export_day,
        {{ shop_date('refunded_at') }} as touched_day
    from {{ source('shop', 'refunds') }}
    where {{ touched_export_days() }}

    union all

    select
        'any' as domain_name,
        _partition_date as export_day,
        snapshot_date as touched_day
    from {{ source('wms', 'inventory_snapshots') }}
    where {{ touched_export_days() }}

    union all

    select
        'any' as domain_name,
        _partition_date as export_day,
        {{ shop_date('detected_at') }} as touched_day
    from {{ source('wms', 'picking_exceptions') }}
    where {{ touched_export_days() }}

    union all

    select
        'any' as domain_name,
        _partition_date as export_day,
        {{ shop_date('shipped_at') }} as touched_day
    from {{ source('wms', 'shipment_lines') }}
    where {{ touched_export_days() }}

    union all

    select
        'any' as domain_name,
        _partition_date as export_day,
        cost_date as touched_day
    from {{ source('wms', 'warehouse_costs') }}
    where {{ touched_export_days() }}

    union all

    select
        'any' as domain_name,
        _partition_date as export_day,
        spend_date as touched_day
    from {{ source('marketing', 'ad_spend') }}
    where {{ touched_export_days() }}

    union all

    select
        'any' as domain_name,
        _partition_date as export_day,
        {{ shop_date('accrued_at') }} as touched_day
    from {{ source('marketing', 'partner_commissions') }}
    where {{ touched_export_days() }}

    union all

    select
        'any' as domain_name,
        _partition_date as export_day,
        report_month as touched_day
    from {{ source('market', 'market_category_gmv') }}
    where {{ touched_export_days() }}

    union all

    select
        'any' as domain_name,
        _partition_date as export_day,
        report_month as touched_day
    from {{ source('market', 'site_rankings') }}
    where {{ touched_export_days() }}

    union all

    select
        'any' as domain_name,
        _partition_date as export_day,
        {{ shop_date('probed_at') }} as touched_day
    from {{ source('monitoring', 'probes') }}
    where {{ touched_export_days() }}

),

touched as (

    select
        domain_name,
        export_day,
        touched_day
    from web
    union all
    select
        domain_name,
        export_day,
        touched_day
    from orders
    union all
    select
        domain_name,
        export_day,
        touched_day
    from inventory
    union all
    select
        domain_name,
        export_day,
        touched_day
    from timed

)

select distinct
    domain_name,
    export_day,
    touched_day
from touched
where touched_day is not null
