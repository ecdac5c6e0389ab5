-- Generated from models/marts/indicators/catalog/ by `make sources`: do not edit.
-- The catalog's indicators on fct_page_views (page_load_p50_ms, page_load_p95_ms): the
-- mart's rows grouped by period (day, ISO week, month) and slice, each indicator's
-- expressions evaluated per group (macro indicator_values).
{{ config(**indicator_values_config('fct_page_views')) }}
{{ indicator_values('fct_page_views') }}
