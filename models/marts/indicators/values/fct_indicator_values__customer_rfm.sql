-- Generated from models/marts/indicators/catalog/ by `make sources`: do not edit.
-- The catalog's indicators on fct_customer_rfm (rfm_r, rfm_f, rfm_m, rfm_segment): the
-- mart's rows grouped by period (day, ISO week, month) and slice, each indicator's
-- expressions evaluated per group (macro indicator_values).
{{ config(**indicator_values_config('fct_customer_rfm')) }}
{{ indicator_values('fct_customer_rfm') }}
