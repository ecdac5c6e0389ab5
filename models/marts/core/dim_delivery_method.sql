with delivery_methods as (

    select * from {{ ref('delivery_methods') }}

),

final as (

    select
        {{ surrogate_key(['delivery_method']) }} as delivery_method_key,
        delivery_method,
        delivery_method_name,
        delivery_method_name_zh,
        is_express
    from delivery_methods

    union all

    {{ special_member(
        'delivery_method_key', 'delivery_method',
        ['delivery_method_name', 'delivery_method_name_zh', 'is_express']
    ) }}

)

select * from final
