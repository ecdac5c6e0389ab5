with campaigns as (

    select * from {{ ref('stg_marketing__campaigns') }}

),

final as (

    select
        {{ surrogate_key(['campaign_id']) }} as campaign_key,
        campaign_id,
        campaign_code,
        campaign_name,
        campaign_type,
        channel,
        partner_name,
        commission_rate,
        discount_rate,
        start_date,
        end_date,
        budget
    from campaigns

    union all

    {{ special_member(
        'campaign_key', 'campaign_id',
        ['campaign_code', 'campaign_name', 'campaign_type', 'channel', 'partner_name',
         'commission_rate', 'discount_rate', 'start_date', 'end_date', 'budget']
    ) }}

)

select * from final
