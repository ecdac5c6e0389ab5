{% macro traffic_channel(events) -%}
    {#- The rows of `events` (a CTE with utm_source, utm_medium, utm_campaign and
        referrer_url) with the channel they arrived by (流量来源): a tagged link by its
        utm_medium or utm_source (seed channel_map by medium; other_campaign when
        unmapped); else, with a campaign tag alone or an external referrer, organic_search
        when the referrer's host is a search engine (seed search_engines) and referral
        otherwise; direct with no tags and no referrer, or the shop's own site (var
        shop_site_url) as referrer. Marketing touches (int_web_touches_classified) are the
        rows that are not direct (so a utm_medium that channel_map maps to direct makes no
        touch); a visit's own channel is its landing event's (int_web_visits). -#}
    select
        {{ events }}.*,
        split_part({{ events }}.referrer_url, '/', 3) as referrer_domain,
        case
            when {{ events }}.utm_medium is not null or {{ events }}.utm_source is not null
                then coalesce(channel_map.channel, 'other_campaign')
            when {{ arrives_direct(events) }} then 'direct'
            when search_engines.referrer_domain is not null then 'organic_search'
            else 'referral'
        end as channel
    from {{ events }}
    left join {{ ref('channel_map') }} as channel_map
        on {{ events }}.utm_medium = channel_map.utm_medium
    left join {{ ref('search_engines') }} as search_engines
        on split_part({{ events }}.referrer_url, '/', 3) = search_engines.referrer_domain
{%- endmacro %}


{% macro arrives_direct(events=none) -%}
    {#- True for a row that arrived direct by traffic_channel's rules without a campaign tag:
        no utm tag at all and no referrer, or the shop's own site (var shop_site_url) as
        referrer (internal navigation). Columns qualified by `events` when given. -#}
    {%- set prefix = events ~ "." if events else "" -%}
    (
        {{ prefix }}utm_medium is null
        and {{ prefix }}utm_source is null
        and {{ prefix }}utm_campaign is null
        and (
            {{ prefix }}referrer_url is null
            or {{ prefix }}referrer_url like '{{ var("shop_site_url") }}%'
        )
    )
{%- endmacro %}
