-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    select * from {{ source('monitoring', 'probes') }}

),

renamed as (

    select
        probe_id,
        probed_at,
        {{ shop_time_columns('probed_at', 'probed') }},
        probe_location,
        page_type,
        is_success,
        response_ms,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
