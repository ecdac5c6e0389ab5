{#- The run's export days (the orchestration's window), as the incremental models see them. -#}

{% macro run_window() -%}
    {#- The run's export days as (first, last), or none for a run over every day: vars
        window_start and window_end when given (dbt --vars), else the environment
        (SHOP_WINDOW_START, SHOP_WINDOW_END), which the orchestration sets. Read while
        executing only: unlike changed vars, a changed environment then keeps dbt's
        partial parsing, which saves a full parse of the project on every daily run. -#}
    {%- set first = var("window_start", none) -%}
    {%- set last = var("window_end", none) -%}
    {%- if not first and execute -%}
        {%- set first = env_var("SHOP_WINDOW_START", "") or none -%}
        {%- set last = env_var("SHOP_WINDOW_END", "") or none -%}
    {%- endif -%}
    {{ return((first, last) if first else none) }}
{%- endmacro %}

{% macro in_run_window(day_expression) -%}
    {#- True for the export days of the run (macro run_window); every day without one. -#}
    {%- set window = run_window() -%}
    {%- if window -%}
        {{ day_expression }} between cast('{{ window[0] }}' as date)
        and cast('{{ window[1] }}' as date)
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}
