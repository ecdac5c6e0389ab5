-- Whether each indicator of the catalog can be computed from what the shop delivers: an
-- indicator is available when every raw table it needs (the catalog's raw_tables) has
-- delivered rows, else not available, with the tables it still needs. Only the order
-- system is required (raw contract, required: true); a shop without click-stream,
-- marketing, stock, market or monitoring exports gets its order-side indicators and a
-- "needs web.events" line for the others, never a zero. fct_indicator_values computes
-- the available indicators only.
with catalog as (

    select
        indicator_code,
        family,
        name_en,
        name_zh,
        raw_tables
    from {{ ref('indicator_catalog') }}

),

needed as (

    select
        catalog.indicator_code,
        deliveries.raw_table,
        deliveries.is_delivered
    from catalog
    inner join {{ ref('raw_table_deliveries') }} as deliveries
        on ';' || catalog.raw_tables || ';' like '%;' || deliveries.raw_table || ';%'

),

missing as (

    select
        indicator_code,
        {{ dbt.listagg('raw_table', "', '", 'order by raw_table') }} as missing_tables
    from needed
    where not is_delivered
    group by indicator_code

)

select
    catalog.indicator_code,
    catalog.family,
    catalog.name_en,
    catalog.name_zh,
    catalog.raw_tables,
    case when missing.indicator_code is null then 'available' else 'not_available' end
        as status,
    missing.missing_tables,
    case
        when missing.indicator_code is not null then 'needs ' || missing.missing_tables
    end as availability_note
from catalog
left join missing
    on catalog.indicator_code = missing.indicator_code
