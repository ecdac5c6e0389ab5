-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    {{ latest_version(
        source('shop', 'products'),
        key_columns=['sku_id'],
        updated_at='updated_at'
    ) }}

),

renamed as (

    select
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
        launched_at,
        {{ shop_time_columns('launched_at', 'launched') }},
        is_active,
        updated_at,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
