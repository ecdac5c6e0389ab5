-- Generated from models/marts/indicators/catalog/ by `make sources`: do not edit.
-- The catalog's indicators on fct_category_concentration_daily
-- (category_sku_concentration, category_sku_hhi): the mart's rows grouped by period (day,
-- ISO week, month) and slice, each indicator's expressions evaluated per group (macro
-- indicator_values).
{{ config(**indicator_values_config('fct_category_concentration_daily')) }}
{{ indicator_values('fct_category_concentration_daily') }}
