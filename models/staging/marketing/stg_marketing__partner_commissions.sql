-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    {{ latest_version(
        source('marketing', 'partner_commissions'),
        key_columns=['commission_id'],
        updated_at=none
    ) }}

),

renamed as (

    select
        commission_id,
        campaign_id,
        order_id,
        accrued_at,
        {{ shop_time_columns('accrued_at', 'accrued') }},
        commission_amount,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
