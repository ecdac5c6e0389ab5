-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    {{ latest_version(
        source('market', 'market_category_gmv'),
        key_columns=['report_month', 'category_l1'],
        updated_at=none
    ) }}

),

renamed as (

    select
        report_month as report_month_start_date,
        category_l1,
        market_gmv,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
