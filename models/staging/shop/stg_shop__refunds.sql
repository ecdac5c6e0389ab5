-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    select * from {{ source('shop', 'refunds') }}

),

renamed as (

    select
        refund_id,
        order_id,
        order_line_id,
        return_id,
        refunded_at,
        {{ shop_time_columns('refunded_at', 'refunded') }},
        amount,
        refund_type,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
