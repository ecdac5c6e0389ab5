{% macro campaign_key(campaign_code, joined_campaign_key) -%}
    {#- The dim_campaign key of an attributed campaign code: the "none" member when nothing
        was attributed (direct or untagged traffic), the "unknown" member when the code
        matches no campaign, else the joined dimension key. -#}
    case
        when {{ campaign_code }} is null then {{ surrogate_key(["'none'"]) }}
        else coalesce({{ joined_campaign_key }}, {{ unknown_key() }})
    end
{%- endmacro %}
