-- Customer value (客户价值指标), one row per shop-local day: visitors and how many of them
-- ordered, new and returning customers, new-customer sales and the cost of acquiring them.
-- Distinct counts (visitors, ordering_visitors, returning_customers, active_customers) do
-- not add up across days: recount them from fct_visitor_daily and fct_orders (a returning
-- customer of a period is one whose first valid order is before the period starts).
-- Incremental by day: a run rebuilds from the first day its loads touched, of orders (a late
-- payment or cancellation touches its order's day, and moves the customer's first valid
-- order no earlier than that) or of any raw row with an event time (visits, marketing
-- costs), and every later day.
{{ config(**incremental_by_day('date_day', ['orders', 'any'])) }}
with visitor_days as (

    select
        visit_date as date_day,
        count(distinct visitor_id) as visitors,
        sum(visits) as visits
    from {{ ref('fct_visitor_daily') }}
    where {{ rebuilt_days_only('visit_date', ['orders', 'any']) }}
    group by visit_date

),

valid_orders as (

    select
        orders.placed_date,
        orders.visitor_id,
        orders.customer_id,
        orders.net_sales,
        orders.is_first_valid_order,
        customers.first_valid_order_date < orders.placed_date as is_returning_customer
    from {{ ref('fct_orders') }} as orders
    inner join {{ ref('dim_customer') }} as customers
        on orders.customer_key = customers.customer_key
    where orders.is_valid and {{ rebuilt_days_only('orders.placed_date', ['orders', 'any']) }}

),

order_days as (

    select
        placed_date as date_day,
        count(distinct visitor_id) as ordering_visitors,
        count(*) as valid_orders,
        count(distinct customer_id) as active_customers,
        sum(case when is_first_valid_order then 1 else 0 end) as new_customers,
        sum(case when is_first_valid_order then net_sales else 0 end)
            as new_customer_net_sales,
        count(distinct case when is_returning_customer then customer_id end)
            as returning_customers,
        sum(case when customer_id is null then 1 else 0 end) as guest_orders
    from valid_orders
    group by placed_date

),

cost_days as (

    select
        date_day,
        sum(marketing_cost) as marketing_cost
    from {{ ref('int_marketing_costs_daily') }}
    where {{ rebuilt_days_only('date_day', ['orders', 'any']) }}
    group by date_day

),

days as (

    select date_day from visitor_days
    union
    select date_day from order_days
    union
    select date_day from cost_days

),

totals as (

    select
        days.date_day,
        coalesce(visitor_days.visitors, 0) as visitors,
        coalesce(visitor_days.visits, 0) as visits,
        coalesce(order_days.ordering_visitors, 0) as ordering_visitors,
        coalesce(order_days.valid_orders, 0) as valid_orders,
        coalesce(order_days.active_customers, 0) as active_customers,
        coalesce(order_days.new_customers, 0) as new_customers,
        coalesce(order_days.new_customer_net_sales, 0) as new_customer_net_sales,
        coalesce(order_days.returning_customers, 0) as returning_customers,
        coalesce(order_days.guest_orders, 0) as guest_orders,
        coalesce(cost_days.marketing_cost, 0) as marketing_cost
    from days
    left join visitor_days on days.date_day = visitor_days.date_day
    left join order_days on days.date_day = order_days.date_day
    left join cost_days on days.date_day = cost_days.date_day

),

final as (

    select
        *,
        {{ safe_divide('ordering_visitors', 'visitors') }} as visit_to_order_rate,
        {{ safe_divide('new_customer_net_sales', 'new_customers') }} as new_customer_aov,
        {{ safe_divide('returning_customers', 'active_customers') }}
            as returning_customer_share,
        {{ safe_divide('marketing_cost', 'new_customers') }} as cac
    from totals

)

select * from final
