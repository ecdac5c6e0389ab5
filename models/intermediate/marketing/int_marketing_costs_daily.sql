-- Marketing cost (投放成本) per shop-local day and campaign: the ad platforms' impressions,
-- clicks and media cost, plus partner commission (合作佣金) on the day it accrued.
with ad_spend as (

    select
        spend_date as date_day,
        campaign_id,
        impressions,
        clicks,
        cost as media_cost,
        0 as partner_commission
    from {{ ref('stg_marketing__ad_spend') }}

),

commissions as (

    select
        accrued_date as date_day,
        campaign_id,
        0 as impressions,
        0 as clicks,
        0 as media_cost,
        commission_amount as partner_commission
    from {{ ref('stg_marketing__partner_commissions') }}

),

combined as (

    select * from ad_spend
    union all
    select * from commissions

),

final as (

    select
        date_day,
        campaign_id,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(media_cost) as media_cost,
        sum(partner_commission) as partner_commission,
        sum(media_cost) + sum(partner_commission) as marketing_cost
    from combined
    group by date_day, campaign_id

)

select * from final
