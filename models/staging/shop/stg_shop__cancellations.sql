-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    select * from {{ source('shop', 'cancellations') }}

),

renamed as (

    select
        order_id,
        cancelled_at,
        {{ shop_time_columns('cancelled_at', 'cancelled') }},
        reason,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
