with products as (

    select * from {{ ref('stg_shop__products') }}

),

final as (

    select
        {{ surrogate_key(['sku_id']) }} as product_key,
        sku_id,
        product_id,
        product_name,
        category_l1,
        category_l2,
        brand,
        model,
        colour,
        size,
        list_price,
        launched_date,
        is_active
    from products

    union all

    {{ special_member(
        'product_key', 'sku_id',
        ['product_id', 'product_name', 'category_l1', 'category_l2', 'brand', 'model', 'colour',
         'size', 'list_price', 'launched_date', 'is_active']
    ) }}

)

select * from final
