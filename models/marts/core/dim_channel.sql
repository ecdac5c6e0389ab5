with channels as (

    select * from {{ ref('channels') }}

),

final as (

    select
        {{ surrogate_key(['channel']) }} as channel_key,
        channel,
        channel_name,
        channel_name_zh,
        channel_group,
        is_paid
    from channels

    union all

    {{ special_member(
        'channel_key', 'channel',
        ['channel_name', 'channel_name_zh', 'channel_group', 'is_paid']
    ) }}

)

select * from final
