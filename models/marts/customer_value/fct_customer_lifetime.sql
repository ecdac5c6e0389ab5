-- Customer history and value (历史价值, 潜在价值, 附加值, 客户终身价值), one row per
-- registered customer with at least one valid order, as of the last day with orders.
-- Potential value is a simple, stated model (see the column docs):
--   expected gap between orders = the customer's mean gap (repeat customers), else the
--     median mean gap of all repeat customers;
--   probability still active = exp(-recency_days / expected gap);
--   expected orders in the next 365 days = probability active × 365 / expected gap;
--   potential value = expected orders × the customer's gross profit per order;
--   CLV = historical gross profit + potential value.
with valid_orders as (

    select
        customer_id,
        customer_key,
        placed_date,
        net_sales,
        gross_profit
    from {{ ref('fct_orders') }}
    where is_valid and customer_id is not null

),

as_of as (

    select max(placed_date) as as_of_date from valid_orders

),

histories as (

    select
        customer_id,
        customer_key,
        min(placed_date) as first_order_date,
        max(placed_date) as last_order_date,
        count(*) as lifetime_orders,
        {{ days_between('min(placed_date)', 'max(placed_date)') }} as order_span_days,
        sum(net_sales) as lifetime_net_sales,
        sum(gross_profit) as lifetime_gross_profit
    from valid_orders
    group by customer_id, customer_key

),

referrals as (

    select
        referred_by_customer_id as customer_id,
        count(*) as referrals,
        sum(case when first_valid_order_id is not null then 1 else 0 end)
            as referrals_with_order
    from {{ ref('dim_customer') }}
    where referred_by_customer_id is not null
    group by referred_by_customer_id

),

measured as (

    select
        histories.*,
        as_of.as_of_date,
        {{ days_between('histories.first_order_date', 'as_of.as_of_date') }}
            as tenure_days,
        {{ days_between('histories.last_order_date', 'as_of.as_of_date') }}
            as recency_days,
        case
            when histories.lifetime_orders > 1
                then histories.order_span_days * 1.0 / (histories.lifetime_orders - 1)
        end as mean_order_gap_days
    from histories
    cross join as_of

),

shop_gap as (

    select {{ percentile('mean_order_gap_days', 0.5) }} as median_gap_days
    from measured
    where mean_order_gap_days > 0

),

modelled as (

    select
        measured.*,
        greatest(coalesce(measured.mean_order_gap_days, shop_gap.median_gap_days), 1)
            as expected_gap_days
    from measured
    cross join shop_gap

),

predicted as (

    select
        *,
        exp(-recency_days / expected_gap_days) as probability_active,
        exp(-recency_days / expected_gap_days) * 365.0 / expected_gap_days
            as expected_orders_next_365_days,
        lifetime_gross_profit / lifetime_orders as gross_profit_per_order
    from modelled

),

final as (

    select
        predicted.customer_key,
        predicted.customer_id,
        predicted.as_of_date,
        predicted.first_order_date,
        predicted.last_order_date,
        predicted.tenure_days,
        predicted.recency_days,
        predicted.lifetime_orders,
        predicted.lifetime_orders > 1 as is_repeat_customer,
        predicted.lifetime_net_sales,
        predicted.lifetime_gross_profit,
        predicted.lifetime_gross_profit as historical_value,
        predicted.gross_profit_per_order,
        coalesce(referrals.referrals, 0) as referrals,
        coalesce(referrals.referrals_with_order, 0) as referrals_with_order,
        predicted.mean_order_gap_days,
        predicted.expected_gap_days,
        predicted.probability_active,
        predicted.expected_orders_next_365_days,
        predicted.expected_orders_next_365_days * predicted.gross_profit_per_order
            as potential_value,
        predicted.lifetime_gross_profit
        + predicted.expected_orders_next_365_days * predicted.gross_profit_per_order as clv
    from predicted
    left join referrals on predicted.customer_id = referrals.customer_id

)

select * from final
