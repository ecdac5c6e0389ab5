{% macro spark__load_csv_rows(model, agate_table) -%}
    {#- Seed rows on Spark as escaped SQL literals: dbt-spark's session cursor substitutes
        bound values into the statement unescaped, so a value with a quote (Queen's Day)
        breaks it. -#}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for column_name in agate_table.column_names -%}
                    {%- set column_type = column_override.get(
                        column_name, adapter.convert_type(agate_table, loop.index0)
                    ) -%}
                    {%- set value = row[loop.index0] -%}
                    cast({{ "null" if value is none else "'" ~ (value | string
                        | replace("\\", "\\\\") | replace("'", "\\'")) ~ "'" }}
                        as {{ column_type }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor -%}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{%- endmacro %}
