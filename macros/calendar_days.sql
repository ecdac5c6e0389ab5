{% macro calendar_days() -%}
    {#- Every day of the calendar (vars calendar_start_date to calendar_end_date) as
        date_day: the spine of dim_date, and of any earlier model that needs the days
        without reading the mart. -#}
    {{ dbt.date_spine(
        datepart="day",
        start_date="cast('" ~ var('calendar_start_date') ~ "' as date)",
        end_date="cast('" ~ var('calendar_end_date') ~ "' as date)"
    ) }}
{%- endmacro %}
