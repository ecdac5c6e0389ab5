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
        {{ in_reporting_currency('amount') }} as amount,
        amount as amount_original,
        refund_type,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
