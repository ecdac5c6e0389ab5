{% macro grant_reader_schemas(schemas) -%}
    {#- The BI role (SHOP_PG_BI_ROLE) may look into the reader-facing schemas; the tables in
        them grant it SELECT through the grants config. -#}
    {{ return(adapter.dispatch('grant_reader_schemas')(schemas)) }}
{%- endmacro %}

{% macro default__grant_reader_schemas(schemas) -%}
    {#- no roles to grant to: readers open the published file read-only -#}
{%- endmacro %}

{% macro postgres__grant_reader_schemas(schemas) -%}
    {%- for schema in schemas if adapter.check_schema_exists(target.database, schema) %}
    grant usage on schema {{ adapter.quote(schema) }}
    to {{ adapter.quote(env_var('SHOP_PG_BI_ROLE', 'shop_bi')) }};
    {%- endfor %}
{%- endmacro %}
