-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    {{ latest_version(
        source('marketing', 'coupons'),
        key_columns=['coupon_code'],
        updated_at='updated_at'
    ) }}

),

renamed as (

    select
        coupon_code,
        campaign_id,
        discount_amount,
        minimum_spend,
        valid_from as valid_from_date,
        valid_to as valid_to_date,
        updated_at,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
