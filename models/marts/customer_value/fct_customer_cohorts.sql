-- Monthly cohorts (客户留存), one row per acquisition month × activity month: customers
-- whose first valid order fell in the cohort month, how many of them ordered again in each
-- later month, and their net sales. Every month from the cohort month to the last month
-- with orders has a row, so months with no returning customer show 0.
with valid_orders as (

    select
        orders.customer_id,
        cast({{ dbt.date_trunc('month', 'customers.first_valid_order_date') }} as date)
            as cohort_month_start_date,
        cast({{ dbt.date_trunc('month', 'orders.placed_date') }} as date)
            as activity_month_start_date,
        orders.net_sales
    from {{ ref('fct_orders') }} as orders
    inner join {{ ref('dim_customer') }} as customers
        on orders.customer_key = customers.customer_key
    where orders.is_valid and orders.customer_id is not null

),

cohorts as (

    select
        cohort_month_start_date,
        count(distinct customer_id) as cohort_customers
    from valid_orders
    group by cohort_month_start_date

),

bounds as (

    select
        min(cohort_month_start_date) as first_month_start_date,
        max(activity_month_start_date) as last_month_start_date
    from valid_orders

),

months as (

    select distinct calendar.month_start_date as activity_month_start_date
    from {{ ref('dim_date') }} as calendar
    inner join bounds
        on
            calendar.month_start_date between bounds.first_month_start_date
            and bounds.last_month_start_date

),

activity as (

    select
        cohort_month_start_date,
        activity_month_start_date,
        count(distinct customer_id) as active_customers,
        count(*) as valid_orders,
        sum(net_sales) as net_sales
    from valid_orders
    group by cohort_month_start_date, activity_month_start_date

),

final as (

    select
        cohorts.cohort_month_start_date,
        months.activity_month_start_date,
        {{ dbt.datediff(
            'cohorts.cohort_month_start_date', 'months.activity_month_start_date', 'month'
        ) }} as months_since_acquisition,
        cohorts.cohort_customers,
        coalesce(activity.active_customers, 0) as active_customers,
        coalesce(activity.valid_orders, 0) as valid_orders,
        coalesce(activity.net_sales, 0) as net_sales,
        {{ safe_divide('coalesce(activity.active_customers, 0)', 'cohorts.cohort_customers') }}
            as retention_rate
    from cohorts
    inner join months on cohorts.cohort_month_start_date <= months.activity_month_start_date
    left join activity
        on
            cohorts.cohort_month_start_date = activity.cohort_month_start_date
            and months.activity_month_start_date = activity.activity_month_start_date

)

select * from final
