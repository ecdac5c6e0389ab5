-- Generated from models/marts/indicators/catalog/ by `make sources`: do not edit.
-- The catalog's indicators on fct_warehouse_daily (warehousing_cost, cost_per_order,
-- delivery_cost_per_order, warehouse_backlog_share, orders_overdue, system_stockout_rate,
-- physical_stockout_rate, on_time_shelving_rate): the mart's rows grouped by period (day,
-- ISO week, month) and slice, each indicator's expressions evaluated per group (macro
-- indicator_values).
{{ config(**indicator_values_config('fct_warehouse_daily')) }}
{{ indicator_values('fct_warehouse_daily') }}
