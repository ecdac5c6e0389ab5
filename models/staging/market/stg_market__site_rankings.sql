-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    select * from {{ source('market', 'site_rankings') }}

),

renamed as (

    select
        report_month as report_month_start_date,
        ranking_provider,
        site_rank,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
