with cost_ranges as (

    select * from {{ ref('int_sku_costs_ranged') }}

),

final as (

    select
        {{ surrogate_key(['sku_id', 'version_number']) }} as sku_cost_key,
        {{ surrogate_key(['sku_id']) }} as product_key,
        sku_id,
        version_number,
        unit_cost,
        recorded_from_at,
        valid_from_at,
        valid_to_at,
        is_current
    from cost_ranges

)

select * from final
