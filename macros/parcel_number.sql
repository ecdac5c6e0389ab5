{#- An order's parcels numbered from 1 in the order they shipped (ties by shipment id): the
    first parcel ships the order, the last delivers it, unlisted lines ride in the first. -#}
{% macro parcel_number() -%}
    row_number() over (partition by order_id order by shipped_at, shipment_id)
{%- endmacro %}
