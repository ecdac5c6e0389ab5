{{ config(**incremental_by_day('event_date', 'web')) }}
-- Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.
with source as (

    select * from {{ source('web', 'events') }}
    where {{ rebuilt_shop_days_only('event_at', 'web') }}

),

renamed as (

    select
        event_id,
        event_at,
        {{ shop_time_columns('event_at', 'event') }},
        visitor_id,
        customer_id,
        event_type,
        page_type,
        page_url,
        referrer_url,
        utm_source,
        utm_medium,
        utm_campaign,
        device,
        sku_id,
        order_id,
        is_success as is_payment_success,
        page_load_ms,
        _partition_date,
        _loaded_at
    from source

)

select * from renamed
