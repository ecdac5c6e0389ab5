-- Generated from models/marts/indicators/catalog/ by `make sources`: do not edit.
-- The catalog's indicators on fct_method_mix_daily (payment_method_diversity,
-- delivery_method_diversity): the mart's rows grouped by period (day, ISO week, month) and
-- slice, each indicator's expressions evaluated per group (macro indicator_values).
{{ config(**indicator_values_config('fct_method_mix_daily')) }}
{{ indicator_values('fct_method_mix_daily') }}
