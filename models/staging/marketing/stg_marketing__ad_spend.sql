-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    select * from {{ source('marketing', 'ad_spend') }}

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
