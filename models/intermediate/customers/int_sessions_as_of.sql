{#- Sessions as known at the as-of time, for customer state: started by then, a login counted only
    when it had happened by then, and stitching and attribution redone over those sessions alone,
    so that a later login on the same device does not reach back into a past as-of date. The fact
    marts keep the full, restitched history (int_sessions_attributed). -#}
with

sessions as (

    select * from {{ ref('int_sessions') }}

),

reference_dates as (

    select * from {{ ref('int_reference_dates') }}

),

known_sessions as (

    select
        sessions.session_id,
        sessions.visitor_id,
        case
            when sessions.logged_in_at <= reference_dates.as_of_at then sessions.logged_in_customer_id
        end as logged_in_customer_id,
        sessions.channel,
        sessions.started_at
    from sessions
    inner join reference_dates
        on sessions.started_at <= reference_dates.as_of_at

),

stitched as (

    {{ stitched_sessions('known_sessions') }}

),

final as (

    {{ attributed_sessions('stitched') }}

)

select * from final
