{#- Every clean event lands in exactly one session and one journey step, and every session in the
    session mart, one journey and the first funnel stage. Returns one row when any count differs. -#}
with

entry_stage as (

    select stage_order
    from {{ ref('int_funnel_stages') }}
    where is_entry_stage

),

funnel_entry as (

    select coalesce(sum(funnel.sessions_reached), 0) as sessions
    from {{ ref('fct_funnel_daily') }} as funnel
    inner join entry_stage
        on funnel.stage_order = entry_stage.stage_order

),

layer_counts as (

    select
        (select count(*) from {{ ref('stg_shop__events') }}) as staged_events,
        (select count(*) from {{ ref('int_events_sessionized') }}) as sessionized_events,
        (select coalesce(sum(events), 0) from {{ ref('fct_sessions') }}) as session_events,
        (select coalesce(sum(events), 0) from {{ ref('int_journey_steps') }}) as journey_step_events,
        (select count(*) from {{ ref('int_sessions') }}) as sessions,
        (select count(*) from {{ ref('fct_sessions') }}) as session_mart_rows,
        (select coalesce(sum(sessions), 0) from {{ ref('fct_customer_journeys') }}) as journey_sessions,
        (select sessions from funnel_entry) as funnel_entry_sessions

),

final as (

    select *
    from layer_counts
    where
        staged_events != sessionized_events
        or staged_events != session_events
        or staged_events != journey_step_events
        or sessions != session_mart_rows
        or sessions != journey_sessions
        or sessions != funnel_entry_sessions

)

select * from final
