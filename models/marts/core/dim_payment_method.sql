with payment_methods as (

    select * from {{ ref('payment_methods') }}

),

final as (

    select
        {{ surrogate_key(['payment_method']) }} as payment_method_key,
        payment_method,
        payment_method_name,
        payment_method_name_zh,
        is_cash_on_delivery,
        is_online
    from payment_methods

    union all

    {{ special_member(
        'payment_method_key', 'payment_method',
        ['payment_method_name', 'payment_method_name_zh', 'is_cash_on_delivery', 'is_online']
    ) }}

)

select * from final
