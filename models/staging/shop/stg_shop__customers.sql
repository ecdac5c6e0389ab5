-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    {{ latest_version(
        source('shop', 'customers'),
        key_columns=['customer_id'],
        updated_at='updated_at'
    ) }}

),

renamed as (

    select
        customer_id,
        registered_at,
        {{ shop_time_columns('registered_at', 'registered') }},
        {{ hash_pii('email') }} as email_hash,
        {{ mask_phone('phone') }} as phone_masked,
        province,
        city,
        referred_by_customer_id,
        updated_at,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
