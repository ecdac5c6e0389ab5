-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    {{ latest_version(
        source('marketing', 'ad_spend'),
        key_columns=['spend_date', 'campaign_id'],
        updated_at=none
    ) }}

),

renamed as (

    select
        spend_date,
        campaign_id,
        impressions,
        clicks,
        cost,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
