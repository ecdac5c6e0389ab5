-- Generated from models/marts/indicators/catalog/ by `make sources`: do not edit.
-- The catalog's indicators on fct_visitor_daily (page_views, unique_visitors, visits,
-- new_visitors, new_visitor_ratio, bounce_rate, avg_visit_duration_s, avg_time_on_page_s,
-- pv_per_uv, add_to_cart_count, orders_placed, payments_succeeded, add_to_cart_rate,
-- order_conversion_rate, payment_success_rate, payment_conversion_rate, visitors,
-- visit_to_order_rate): the mart's rows grouped by period (day, ISO week, month) and
-- slice, each indicator's expressions evaluated per group (macro indicator_values).
{{ config(**indicator_values_config('fct_visitor_daily')) }}
{{ indicator_values('fct_visitor_daily') }}
