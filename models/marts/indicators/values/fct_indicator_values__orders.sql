-- Generated from models/marts/indicators/catalog/ by `make sources`: do not edit.
-- The catalog's indicators on fct_orders (same_day_ship_rate_by_slot, cod_share,
-- payment_method_share, delivery_method_share, gmv, net_sales, total_orders, valid_orders,
-- valid_order_rate, aov, gross_margin, gross_profit, repeat_purchase_rate, new_customers,
-- new_customer_aov, returning_customers, returning_customer_share): the mart's rows
-- grouped by period (day, ISO week, month) and slice, each indicator's expressions
-- evaluated per group (macro indicator_values).
{{ config(**indicator_values_config('fct_orders')) }}
{{ indicator_values('fct_orders') }}
