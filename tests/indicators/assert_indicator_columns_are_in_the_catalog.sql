-- Every mart column documented as an indicator (config meta indicator: <code> in the
-- models' YAML) names an indicator of the catalog. Returns the columns whose code is
-- missing from seed indicator_catalog.
{{ config(meta={'dagster': {'ref': {'name': 'fct_indicator_values'}}}) }}
{%- set documented = [] %}
{%- for node in graph.nodes.values() if node.resource_type == 'model' %}
    {%- for column in node.columns.values() %}
        {%- set code = (column.config.meta if column.config is defined else {}).get('indicator')
            or column.meta.get('indicator') %}
        {%- if code %}
            {%- do documented.append((node.name ~ '.' ~ column.name, code)) %}
        {%- endif %}
    {%- endfor %}
{%- endfor %}
with documented as (

    {%- for column, code in documented %}
    select
        '{{ column }}' as mart_column,
        '{{ code }}' as indicator_code
    {{ 'union all' if not loop.last }}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as mart_column,
        cast(null as {{ dbt.type_string() }}) as indicator_code
    where 1 = 0
    {%- endfor %}

)

select documented.*
from documented
left join {{ ref('indicator_catalog') }} as catalog
    on documented.indicator_code = catalog.indicator_code
where catalog.indicator_code is null
