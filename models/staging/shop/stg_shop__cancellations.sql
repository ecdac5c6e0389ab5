-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    {{ latest_version(
        source('shop', 'cancellations'),
        key_columns=['order_id'],
        updated_at=none
    ) }}

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
