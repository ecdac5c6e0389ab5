-- One row per order line with what happened to it after checkout: cost as of the sale,
-- short pick (physical stock-out), returns and exchanges, and line refunds.
with lines as (

    select * from {{ ref('stg_shop__order_lines') }}

),

cost_ranges as (

    select * from {{ ref('int_sku_costs_ranged') }}

),

short_picks as (

    select
        order_line_id,
        min(detected_at) as short_picked_at
    from {{ ref('stg_wms__picking_exceptions') }}
    group by order_line_id

),

returns as (

    select * from {{ ref('stg_shop__returns') }}

),

refunds as (

    select * from {{ ref('stg_shop__refunds') }}
    where order_line_id is not null

),

line_returns as (

    select
        returns.order_line_id,
        sum(case when returns.return_type = 'return' then returns.quantity else 0 end)
            as quantity_returned,
        sum(case when returns.return_type = 'exchange' then returns.quantity else 0 end)
            as quantity_exchanged,
        sum(case when refunds.refund_id is not null then returns.quantity else 0 end)
            as quantity_refunded_returned,
        min(returns.requested_at) as first_return_requested_at
    from returns
    left join refunds on returns.return_id = refunds.return_id
    group by returns.order_line_id

),

line_refunds as (

    select
        order_line_id,
        sum(case when refund_type = 'return' then amount else 0 end) as return_refund_amount,
        sum(case when refund_type = 'short_pick' then amount else 0 end)
            as short_pick_refund_amount
    from refunds
    group by order_line_id

),

final as (

    select
        lines.order_line_id,
        lines.order_id,
        lines.line_number,
        lines.sku_id,
        lines.placed_at,
        lines.placed_date,
        lines.line_status,
        lines.coupon_code,
        lines.campaign_code,
        lines.line_status = 'refused_no_stock' as is_refused_no_stock,
        short_picks.short_picked_at is not null as is_short_picked,
        short_picks.short_picked_at,
        lines.quantity as quantity_attempted,
        case when lines.line_status = 'accepted' then lines.quantity else 0 end
            as quantity_accepted,
        case
            when lines.line_status = 'accepted' and short_picks.short_picked_at is not null
                then lines.quantity
            else 0
        end as quantity_short_picked,
        coalesce(line_returns.quantity_returned, 0) as quantity_returned,
        coalesce(line_returns.quantity_exchanged, 0) as quantity_exchanged,
        coalesce(line_returns.quantity_refunded_returned, 0) as quantity_refunded_returned,
        line_returns.first_return_requested_at,
        lines.unit_list_price,
        lines.unit_price,
        case
            when lines.line_status = 'accepted' then lines.unit_list_price * lines.quantity
            else 0
        end as list_amount,
        lines.line_amount,
        coalesce(line_refunds.return_refund_amount, 0) as return_refund_amount,
        coalesce(line_refunds.short_pick_refund_amount, 0) as short_pick_refund_amount,
        cost_ranges.unit_cost,
        cost_ranges.unit_cost is null as is_missing_cost
    from lines
    left join cost_ranges
        on
            lines.sku_id = cost_ranges.sku_id
            and lines.placed_at >= cost_ranges.valid_from_at
            and lines.placed_at < cost_ranges.valid_to_at
    left join short_picks on lines.order_line_id = short_picks.order_line_id
    left join line_returns on lines.order_line_id = line_returns.order_line_id
    left join line_refunds on lines.order_line_id = line_refunds.order_line_id

)

select * from final
