-- Operating environment: site availability (网站正常运营情况), one row per monitoring probe.
-- Availability of any period = sum(success_count) / count(*); response time percentiles of
-- a week or month are recomputed from these rows.
with probes as (

    select * from {{ ref('stg_monitoring__probes') }}

),

final as (

    select
        probe_id,
        probed_at,
        probed_at_local,
        probed_date,
        probe_location,
        page_type,
        is_success,
        case when is_success then 1 else 0 end as success_count,
        response_ms
    from probes

)

select * from final
