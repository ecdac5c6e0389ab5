-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    select * from {{ source('market', 'market_category_gmv') }}

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
