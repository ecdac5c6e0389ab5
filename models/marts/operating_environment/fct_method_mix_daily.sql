-- Operating environment: payment and delivery method diversity (支付/配送方式多样性), one
-- row per shop-local day × method offered (every method of dim_payment_method and
-- dim_delivery_method, used or not): orders and valid orders by that method and the
-- method's share of the day's valid orders. Methods offered = rows with is_offered;
-- methods used = rows with is_used.
with orders as (

    select
        placed_date,
        payment_method,
        delivery_method,
        order_count,
        valid_order_count,
        gmv
    from {{ ref('fct_orders') }}

),

offered as (

    select
        'payment' as method_type,
        payment_method as method_code,
        1 as offered_count
    from {{ ref('dim_payment_method') }}
    where payment_method != 'unknown'
    union all
    select
        'delivery' as method_type,
        delivery_method as method_code,
        1 as offered_count
    from {{ ref('dim_delivery_method') }}
    where delivery_method != 'unknown'

),

used as (

    select
        placed_date,
        'payment' as method_type,
        payment_method as method_code,
        order_count,
        valid_order_count,
        gmv
    from orders
    union all
    select
        placed_date,
        'delivery' as method_type,
        delivery_method as method_code,
        order_count,
        valid_order_count,
        gmv
    from orders

),

by_method as (

    select
        placed_date,
        method_type,
        method_code,
        sum(order_count) as orders,
        sum(valid_order_count) as valid_orders,
        sum(gmv) as gmv
    from used
    group by placed_date, method_type, method_code

),

methods as (

    -- every method_code offered, and any other method_code that orders used (e.g. a new one not yet
    -- in the reference data), so that the rows of a day add up to all its orders
    select
        method_type,
        method_code,
        max(offered_count) = 1 as is_offered
    from (
        select * from offered
        union all
        select distinct
            method_type,
            method_code,
            0 as offered_count
        from by_method
    ) as candidates
    group by method_type, method_code

),

days as (

    select distinct placed_date from orders

),

method_days as (

    select
        days.placed_date,
        methods.method_type,
        methods.method_code,
        methods.is_offered,
        coalesce(by_method.orders, 0) as orders,
        coalesce(by_method.valid_orders, 0) as valid_orders,
        coalesce(by_method.gmv, 0) as gmv
    from days
    cross join methods
    left join by_method
        on
            days.placed_date = by_method.placed_date
            and methods.method_type = by_method.method_type
            and methods.method_code = by_method.method_code

),

totals as (

    select
        *,
        valid_orders > 0 as is_used,
        sum(valid_orders) over (partition by placed_date, method_type) as day_valid_orders
    from method_days

),

final as (

    select
        *,
        {{ safe_divide('valid_orders', 'day_valid_orders') }} as valid_order_share
    from totals

)

select * from final
