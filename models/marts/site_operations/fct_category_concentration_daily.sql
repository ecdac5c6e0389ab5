-- Daily SKU concentration of each category's net sales (品类销售SKU集中度), for level 1 and
-- level 2 categories: the share made by the top 20% of the category's selling SKUs
-- (ceil(20% × SKUs with net sales > 0), ranked by net sales) and the Herfindahl-Hirschman
-- index of SKU shares (sum of squared shares, 1 = one SKU makes everything).
with sku_sales as (

    select
        date_day,
        category_l1,
        category_l2,
        sku_id,
        net_sales
    from {{ ref('fct_sku_daily') }}
    where net_sales > 0

),

by_level as (

    select
        date_day,
        'level_1' as category_level,
        category_l1 as category,
        sku_id,
        net_sales
    from sku_sales

    union all

    select
        date_day,
        'level_2' as category_level,
        category_l2 as category,
        sku_id,
        net_sales
    from sku_sales

),

ranked as (

    select
        *,
        row_number() over (
            partition by date_day, category_level, category
            order by net_sales desc, sku_id asc
        ) as sales_rank,
        count(*) over (partition by date_day, category_level, category) as selling_skus,
        sum(net_sales) over (partition by date_day, category_level, category)
            as category_net_sales
    from by_level

),

shares as (

    select
        date_day,
        category_level,
        category,
        selling_skus,
        category_net_sales,
        {{ safe_divide('net_sales', 'category_net_sales') }} as sales_share,
        case when sales_rank <= ceil(0.2 * selling_skus) then net_sales else 0 end
            as top_20_percent_net_sales
    from ranked

),

final as (

    select
        date_day,
        category_level,
        category,
        max(selling_skus) as selling_skus,
        max(category_net_sales) as category_net_sales,
        sum(top_20_percent_net_sales) as top_20_percent_net_sales,
        {{ safe_divide('sum(top_20_percent_net_sales)', 'max(category_net_sales)') }}
            as top_20_percent_share,
        sum(sales_share * sales_share) as sku_hhi
    from shares
    group by date_day, category_level, category

)

select * from final
