-- The limit proxy: the headline daily indicators computed by hand, in one DuckDB script,
-- straight from the raw tables (session time zone UTC; shop time zone Asia/Shanghai). It
-- applies the warehouse's rules (latest version per key, visits split at midnight, after
-- 30 minutes or at a change of campaign tags, valid orders, costs as of the sale) with no
-- layers, tests or intermediate tables: a lower bound on the time any pipeline needs.
-- benchmarks/bench_scale.py times it and compares its figures with the marts'.
create or replace temp table proxy_events as
select
    event_id,
    visitor_id,
    event_type,
    event_at,
    cast((event_at at time zone 'UTC') at time zone 'Asia/Shanghai' as date) as event_date,
    case
        when utm_source is not null or utm_medium is not null or utm_campaign is not null
            then concat_ws('|', coalesce(utm_source, ''), coalesce(utm_medium, ''),
                coalesce(utm_campaign, ''))
    end as source_tags
from raw.events
qualify row_number() over (
    partition by event_id order by _partition_date desc, _loaded_at desc, _source_file desc
) = 1;

create or replace temp table proxy_traffic as
with gaps as (
    select
        *,
        coalesce(
            date_diff('second', lag(event_at) over (
                partition by visitor_id, event_date order by event_at, event_id
            ), event_at) >= 1800,
            true
        ) as is_run_start
    from proxy_events
),

runs as (
    select
        *,
        sum(is_run_start::int) over (
            partition by visitor_id, event_date order by event_at, event_id
        ) as run_number
    from gaps
),

starts as (
    select
        event_date,
        visitor_id,
        event_type,
        is_run_start
        or (
            source_tags is not null
            and source_tags is distinct from lag(source_tags) over (
                partition by visitor_id, event_date, run_number, source_tags is null
                order by event_at, event_id
            )
        ) as is_visit_start
    from runs
)

select
    event_date as day,
    count(*) filter (where event_type = 'page_view') as page_views,
    count(distinct visitor_id) as unique_visitors,
    count(*) filter (where is_visit_start) as visits
from starts
group by event_date;

create or replace temp table proxy_orders as
with orders as (
    select
        *,
        cast((placed_at at time zone 'UTC') at time zone 'Asia/Shanghai' as date) as day
    from raw.orders
    qualify row_number() over (
        partition by order_id order by _partition_date desc, _loaded_at desc, _source_file desc
    ) = 1
),

paid as (
    select distinct order_id from raw.payments where status = 'success'
),

valid as (
    select
        orders.*,
        paid.order_id is not null
        and cancelled.order_id is null
        and not orders.is_test
        and not orders.is_fraud as is_valid
    from orders
    left join paid on orders.order_id = paid.order_id
    left join (select distinct order_id from raw.cancellations) as cancelled
        on orders.order_id = cancelled.order_id
),

lines as (
    select *
    from raw.order_lines
    qualify row_number() over (
        partition by order_line_id
        order by _partition_date desc, _loaded_at desc, _source_file desc
    ) = 1
),

returns as (
    select *
    from raw.returns
    qualify row_number() over (
        partition by return_id
        order by updated_at desc, _partition_date desc, _loaded_at desc, _source_file desc
    ) = 1
),

refunds as (
    select *
    from raw.refunds
    qualify row_number() over (
        partition by refund_id order by _partition_date desc, _loaded_at desc, _source_file desc
    ) = 1
),

shipments as (
    select *
    from raw.shipments
    qualify row_number() over (
        partition by shipment_id
        order by updated_at desc, _partition_date desc, _loaded_at desc, _source_file desc
    ) = 1
),

costs as (
    select
        sku_id,
        unit_cost,
        case
            when row_number() over (partition by sku_id order by valid_from) = 1
                then timestamp '1900-01-01'
            else valid_from
        end as valid_from,
        coalesce(
            lead(valid_from) over (partition by sku_id order by valid_from),
            timestamp '9999-12-31'
        ) as valid_to
    from (select distinct sku_id, valid_from, unit_cost from raw.sku_costs)
),

line_figures as (
    select
        lines.order_id,
        lines.line_status = 'accepted' as is_accepted,
        lines.quantity,
        lines.line_amount,
        costs.unit_cost,
        exists (
            select 1 from raw.picking_exceptions as picks
            where picks.order_line_id = lines.order_line_id
        ) as is_short_picked,
        coalesce((
            select sum(refunds.amount) from refunds
            where refunds.order_line_id = lines.order_line_id
                and refunds.refund_type in ('return', 'short_pick')
        ), 0) as refunded,
        coalesce((
            select sum(returns.quantity) from returns
            where returns.order_line_id = lines.order_line_id and returns.return_type = 'return'
        ), 0) as returned,
        coalesce((
            select sum(returns.quantity) from returns
            inner join refunds on returns.return_id = refunds.return_id
            where returns.order_line_id = lines.order_line_id
        ), 0) as refunded_returned
    from lines
    left join costs
        on lines.sku_id = costs.sku_id
        and lines.placed_at >= costs.valid_from and lines.placed_at < costs.valid_to
),

order_lines as (
    select
        order_id,
        sum(line_amount - refunded) as line_net_sales,
        sum(coalesce(unit_cost, 0) * (
            case when is_accepted then quantity else 0 end
            - case when is_accepted and is_short_picked then quantity else 0 end
            - refunded_returned
        )) as line_cogs,
        sum(case when is_accepted and not is_short_picked then quantity else 0 end)
            as fulfillable,
        sum(returned) as returned
    from line_figures
    group by order_id
),

delivered as (
    select order_id, min(delivered_at) as delivered_at
    from shipments
    where status = 'delivered'
    group by order_id
)

select
    valid.day,
    count(*) filter (where valid.is_valid) as valid_orders,
    sum(case when valid.is_test then 0 else valid.items_amount end) as gmv,
    sum(case when valid.is_valid then order_lines.line_net_sales else 0 end) as net_sales,
    sum(case when valid.is_valid then order_lines.line_net_sales - order_lines.line_cogs else 0 end)
        as gross_profit,
    sum(case when delivered.order_id is not null then order_lines.fulfillable else 0 end)
        as items_delivered,
    sum(order_lines.returned) as items_returned,
    avg(date_diff('second', valid.placed_at, delivered.delivered_at) / 3600.0)
        as order_to_receipt_hours
from valid
left join order_lines on valid.order_id = order_lines.order_id
left join delivered on valid.order_id = delivered.order_id
group by valid.day;
