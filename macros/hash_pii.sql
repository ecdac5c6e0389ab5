{% macro hash_pii(column) -%}
    {#- A salted hash of a personal identifier, normalised (trimmed, lower case) so the same
        address always hashes alike; null stays null. The salt comes from SHOP_PII_SALT. -#}
    case
        when {{ column }} is not null
            then {{ dbt.hash(dbt.concat(["'" ~ var("pii_salt") ~ "'", "lower(trim(" ~ column ~ "))"])) }}
    end
{%- endmacro %}
