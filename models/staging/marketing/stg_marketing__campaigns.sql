-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    {{ latest_version(
        source('marketing', 'campaigns'),
        key_columns=['campaign_id'],
        updated_at='updated_at'
    ) }}

),

renamed as (

    select
        campaign_id,
        campaign_code,
        campaign_name,
        campaign_type,
        channel,
        partner_name,
        commission_rate,
        starts_on as start_date,
        ends_on as end_date,
        budget,
        discount_rate,
        updated_at,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
