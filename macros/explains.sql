{% macro explains(driver, driven) -%}
    {#- Whether the event ``driver`` can explain the event ``driven`` in the catalog's net
        (both relations with indicator_code, upstream_codes, date_column, period_start and
        harm): its indicator is upstream of the driven one; it is of the same day, or of
        the day before when it is dated by order day and the driven one is not (orders
        placed one day are overdue or out of stock at the end of the next: the effects of
        a warehouse stall); and it moves at least a tenth as much (relative harm; a driven
        move beyond 100 % counts as 100 %, so that a rate near zero that multiplies, e.g.
        stock-outs at 16 times their baseline, is explained by the recall that caused it),
        or either move is unknown (an alert out of bounds without a baseline). -#}
    (';' || {{ driven }}.upstream_codes || ';') like ('%;' || {{ driver }}.indicator_code || ';%')
    and (
        {{ driver }}.period_start = {{ driven }}.period_start
        or (
            {{ driver }}.date_column = 'placed_date'
            and {{ driven }}.date_column <> 'placed_date'
            and {{ driver }}.period_start = {{ dbt.dateadd('day', -1, driven ~ '.period_start') }}
        )
    )
    and coalesce({{ driver }}.harm >= 0.1 * least({{ driven }}.harm, 1), true)
{%- endmacro %}
