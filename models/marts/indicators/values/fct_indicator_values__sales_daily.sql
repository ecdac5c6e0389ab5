-- Generated from models/marts/indicators/catalog/ by `make sources`: do not edit.
-- The catalog's indicators on fct_sales_daily (return_rate, sales_by_brand,
-- sales_by_category, return_exchange_rate): the mart's rows grouped by period (day, ISO
-- week, month) and slice, each indicator's expressions evaluated per group (macro
-- indicator_values).
{{ config(**indicator_values_config('fct_sales_daily')) }}
{{ indicator_values('fct_sales_daily') }}
