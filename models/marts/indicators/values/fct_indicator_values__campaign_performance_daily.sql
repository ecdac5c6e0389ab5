-- Generated from models/marts/indicators/catalog/ by `make sources`: do not edit.
-- The catalog's indicators on fct_campaign_performance_daily (site_order_conversion_rate,
-- impressions, clicks, ctr, marketing_cost, campaign_visits, campaign_new_visitors,
-- campaign_orders, campaign_order_conversion_rate, cost_per_visit, revenue_per_conversion,
-- roas, roi, partner_commission, partner_roi, campaign_aov): the mart's rows grouped by
-- period (day, ISO week, month) and slice, each indicator's expressions evaluated per
-- group (macro indicator_values).
{{ config(**indicator_values_config('fct_campaign_performance_daily')) }}
{{ indicator_values('fct_campaign_performance_daily') }}
