{% macro in_reporting_currency(amount, order_id='source.order_id') -%}
    {#- An amount of an order (its total, a line, a payment, a refund), delivered in the
        order's currency, in the shop's reporting currency: converted at the rate of the
        order's shop-local placement day (seed exchange_rates: reporting currency per unit).
        A shop whose orders are all in the reporting currency (shop.yml) gets the amount as
        it is. A missing rate gives null, which staging's not-null tests stop. The seed and
        the orders are referenced in both cases, so the project's graph is one for every
        shop. order_id: the order id column of the row, qualified by its relation. -#}
    {%- set rates = ref('exchange_rates') -%}
    {%- set orders = source('shop', 'orders') -%}
    {%- set currencies = var('shop_order_currencies').split(',') -%}
    {%- set reporting = var('shop_reporting_currency') -%}
    {%- if currencies | reject('equalto', reporting) | list | length == 0 -%}
        {{ amount }}
    {%- else -%}
        cast({{ amount }} * (
            select
                max(
                    case
                        when rate_orders.currency = '{{ reporting }}' then 1.0
                        else rate_days.rate_to_reporting
                    end
                )
            from {{ orders }} as rate_orders
            left join {{ rates }} as rate_days
                on
                    rate_orders.currency = rate_days.currency
                    and {{ shop_date('rate_orders.placed_at') }} = rate_days.rate_date
            where rate_orders.order_id = {{ order_id }}
        ) as decimal(18, 2))
    {%- endif -%}
{%- endmacro %}
