with warehouses as (

    select * from {{ ref('stg_wms__warehouses') }}

),

final as (

    select
        {{ surrogate_key(['warehouse_id']) }} as warehouse_key,
        warehouse_id,
        warehouse_name,
        region,
        city,
        ship_sla_hours,
        shelving_sla_hours,
        delivery_sla_hours
    from warehouses

    union all

    {{ special_member(
        'warehouse_key', 'warehouse_id',
        ['warehouse_name', 'region', 'city', 'ship_sla_hours', 'shelving_sla_hours',
         'delivery_sla_hours']
    ) }}

)

select * from final
