with

events as (

    select * from {{ ref('int_events_sessionized') }}

),

journey_sessions as (

    select * from {{ ref('int_journey_sessions') }}

),

journey_events as (

    select
        journey_sessions.journey_id,
        journey_sessions.person_id,
        events.session_id,
        events.event_id,
        events.journey_stage,
        events.stage_order,
        events.event_at,
        lag(events.journey_stage) over journey_timeline as previous_stage
    from events
    inner join journey_sessions
        on events.session_id = journey_sessions.session_id
    window journey_timeline as (
        partition by journey_sessions.journey_id order by events.event_at, events.event_id
    )

),

step_starts as (

    select
        *,
        sum(case when journey_stage != coalesce(previous_stage, '') then 1 else 0 end) over (
            partition by journey_id order by event_at, event_id rows unbounded preceding
        ) as step_number
    from journey_events

),

steps_entered as (

    select
        *,
        first_value(session_id) over (
            partition by journey_id, step_number order by event_at, event_id
        ) as entered_session_id
    from step_starts

),

final as (

    select
        {{ surrogate_key(['journey_id', 'step_number']) }} as journey_step_id,
        journey_id,
        person_id,
        entered_session_id as session_id,
        journey_stage,
        cast(step_number as bigint) as step_number,
        min(stage_order) as stage_order,
        count(*) as events,
        min(event_at) as entered_at,
        max(event_at) as left_at
    from steps_entered
    group by journey_id, person_id, entered_session_id, journey_stage, step_number

)

select * from final
