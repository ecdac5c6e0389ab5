{%- set member_columns = [
    'campaign_code', 'campaign_name', 'campaign_type', 'channel', 'partner_name',
    'commission_rate', 'discount_rate', 'start_date', 'end_date', 'budget',
] -%}
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

    {{ special_member('campaign_key', 'campaign_id', member_columns) }}

    union all

    -- "none": visits and orders attributed to no campaign (direct or untagged traffic)
    {{ special_member(
        'campaign_key', 'campaign_id', member_columns,
        member='none',
        values={'campaign_name': "'No campaign'", 'campaign_type': "'none'"}
    ) }}

)

select * from final
