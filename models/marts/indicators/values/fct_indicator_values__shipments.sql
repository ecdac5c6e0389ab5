-- Generated from models/marts/indicators/catalog/ by `make sources`: do not edit.
-- The catalog's indicators on fct_shipments (order_to_receipt_h, warehouse_processing_h,
-- delivery_h, undelivered_share): the mart's rows grouped by period (day, ISO week, month)
-- and slice, each indicator's expressions evaluated per group (macro indicator_values).
{{ config(**indicator_values_config('fct_shipments')) }}
{{ indicator_values('fct_shipments') }}
