-- Every raw table an indicator of the catalog declares (raw_tables, ';'-separated) is a
-- table of the raw contract: a misspelt name would match no delivery and leave the
-- indicator available whatever the shop delivers. Returns the indicators with a name
-- raw_table_deliveries does not know.
{{ config(meta={'dagster': {'ref': {'name': 'indicator_availability'}}}) }}
with catalog as (

    select
        indicator_code,
        raw_tables,
        length(raw_tables) - length(replace(raw_tables, ';', '')) + 1 as declared
    from {{ ref('indicator_catalog') }}

),

matched as (

    select
        catalog.indicator_code,
        count(*) as known
    from catalog
    inner join {{ ref('raw_table_deliveries') }} as deliveries
        on ';' || catalog.raw_tables || ';' like '%;' || deliveries.raw_table || ';%'
    group by catalog.indicator_code

)

select
    catalog.indicator_code,
    catalog.raw_tables
from catalog
left join matched
    on catalog.indicator_code = matched.indicator_code
where coalesce(matched.known, 0) != catalog.declared
