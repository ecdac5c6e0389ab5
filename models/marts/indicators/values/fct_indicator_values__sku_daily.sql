-- Generated from models/marts/indicators/catalog/ by `make sources`: do not edit.
-- The catalog's indicators on fct_sku_daily (category_sku_share, category_sales_share,
-- inventory_turnover, days_of_inventory, attribute_sales_share, category_diversity,
-- sku_diversity): the mart's rows grouped by period (day, ISO week, month) and slice, each
-- indicator's expressions evaluated per group (macro indicator_values).
{{ config(**indicator_values_config('fct_sku_daily')) }}
{{ indicator_values('fct_sku_daily') }}
