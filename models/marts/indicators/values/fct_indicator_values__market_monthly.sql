-- Generated from models/marts/indicators/catalog/ by `make sources`: do not edit.
-- The catalog's indicators on fct_market_monthly (market_share, market_growth_rate): the
-- mart's rows grouped by period (day, ISO week, month) and slice, each indicator's
-- expressions evaluated per group (macro indicator_values).
{{ config(**indicator_values_config('fct_market_monthly')) }}
{{ indicator_values('fct_market_monthly') }}
