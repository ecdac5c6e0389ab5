{% macro hash_pii(column) -%}
    {#- A salted hash of a personal identifier, normalised (trimmed, lower case) so the same
        address always hashes alike; null stays null. The salt (SHOP_PII_SALT) is read from
        the private table raw.pii_salt at query time, so it is in no SQL text or log. -#}
    case
        when {{ column }} is not null
            then {{ dbt.hash(dbt.concat([
                "(select salt from " ~ source('pipeline', 'pii_salt') ~ ")",
                "lower(trim(" ~ column ~ "))"
            ])) }}
    end
{%- endmacro %}
