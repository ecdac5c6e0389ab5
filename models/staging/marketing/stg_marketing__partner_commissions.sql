-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    select * from {{ source('marketing', 'partner_commissions') }}

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
