-- Unit cost validity ranges per SKU: a sale at placed_at is costed with the row where
-- valid_from_at <= placed_at < valid_to_at. The first known cost also covers earlier sales,
-- so every sale of a costed SKU gets a cost.
with costs as (

    select * from {{ ref('stg_shop__sku_costs') }}

),

ranges as (

    select
        sku_id,
        unit_cost,
        valid_from_at,
        lead(valid_from_at) over (partition by sku_id order by valid_from_at) as next_valid_from_at,
        row_number() over (partition by sku_id order by valid_from_at) as version_number
    from costs

),

final as (

    select
        sku_id,
        version_number,
        unit_cost,
        valid_from_at as recorded_from_at,
        case
            when version_number = 1 then cast('1900-01-01' as timestamp) else valid_from_at
        end as valid_from_at,
        coalesce(next_valid_from_at, cast('9999-12-31' as timestamp)) as valid_to_at,
        next_valid_from_at is null as is_current
    from ranges

)

select * from final
