-- Every order in raw appears exactly once in fct_orders, and fct_orders holds nothing else.
{{ config(meta={'dagster': {'ref': {'name': 'fct_orders'}}}) }}
with raw_orders as (

    select distinct order_id from {{ source('shop', 'orders') }}

),

mart_orders as (

    select
        order_id,
        count(*) as occurrences
    from {{ ref('fct_orders') }}
    group by order_id

)

select
    coalesce(raw_orders.order_id, mart_orders.order_id) as order_id,
    coalesce(mart_orders.occurrences, 0) as occurrences_in_mart,
    raw_orders.order_id is not null as is_in_raw
from raw_orders
full outer join mart_orders on raw_orders.order_id = mart_orders.order_id
where raw_orders.order_id is null or coalesce(mart_orders.occurrences, 0) != 1
