-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    select * from {{ source('shop', 'payments') }}

),

renamed as (

    select
        payment_id,
        order_id,
        attempted_at,
        {{ shop_time_columns('attempted_at', 'attempted') }},
        payment_method,
        {{ in_reporting_currency('amount') }} as amount,
        amount as amount_original,
        currency,
        status,
        failure_reason,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
