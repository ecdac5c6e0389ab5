-- One row per shop-local day and SKU with sales (by order day) and closing stock across
-- warehouses: the base of the category indicators (类目结构, 销售占比, 集中度, 库存周转).
with sales as (

    select
        placed_date as date_day,
        product_key,
        sum(quantity_sold) as items_sold,
        sum(gmv) as gmv,
        sum(net_sales) as net_sales,
        sum(cogs) as cogs,
        sum(gross_profit) as gross_profit
    from {{ ref('fct_order_lines') }}
    group by placed_date, product_key

),

stock as (

    select
        snapshot_date as date_day,
        product_key,
        sum(system_quantity) as closing_quantity,
        sum(stock_value) as stock_value
    from {{ ref('fct_inventory_daily') }}
    group by snapshot_date, product_key

),

products as (

    select * from {{ ref('dim_product') }}

),

combined as (

    select
        coalesce(sales.date_day, stock.date_day) as date_day,
        coalesce(sales.product_key, stock.product_key) as product_key,
        coalesce(sales.items_sold, 0) as items_sold,
        coalesce(sales.gmv, 0) as gmv,
        coalesce(sales.net_sales, 0) as net_sales,
        coalesce(sales.cogs, 0) as cogs,
        coalesce(sales.gross_profit, 0) as gross_profit,
        coalesce(stock.closing_quantity, 0) as closing_quantity,
        coalesce(stock.stock_value, 0) as stock_value
    from sales
    full outer join stock
        on sales.date_day = stock.date_day and sales.product_key = stock.product_key

),

final as (

    select
        combined.date_day,
        combined.product_key,
        products.sku_id,
        products.category_l1,
        products.category_l2,
        products.brand,
        -- a SKU without a model, colour or size (a book) is a slice of its own, 'none',
        -- in the attribute shares, not a null slice across categories (model is the
        -- catalogue's own column name, a keyword to the linter only)
        coalesce(products.model, 'none') as model,  -- noqa: RF04
        coalesce(products.colour, 'none') as colour,
        coalesce(products.size, 'none') as size,
        combined.items_sold,
        combined.gmv,
        combined.net_sales,
        combined.cogs,
        combined.gross_profit,
        combined.closing_quantity,
        combined.stock_value,
        combined.closing_quantity > 0 as is_in_stock,
        -- active (在售): had stock at the end of the day or sold that day
        combined.closing_quantity > 0 or combined.items_sold > 0 as is_active_sku,
        case when combined.closing_quantity > 0 or combined.items_sold > 0 then 1 else 0 end
            as active_sku_count
    from combined
    inner join products on combined.product_key = products.product_key

)

select * from final
