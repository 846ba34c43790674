with

sessions as (

    select * from {{ ref('int_sessions') }}

),

identified as (

    select
        anonymous_id,
        logged_in_customer_id as customer_id,
        count(*) as identified_sessions,
        min(started_at) as first_identified_at,
        max(ended_at) as last_identified_at
    from sessions
    where anonymous_id is not null and logged_in_customer_id is not null
    group by 1, 2

),

final as (

    select
        anonymous_id,
        customer_id,
        identified_sessions,
        first_identified_at,
        last_identified_at,
        count(*) over (partition by anonymous_id) > 1 as is_shared_device
    from identified

)

select * from final
