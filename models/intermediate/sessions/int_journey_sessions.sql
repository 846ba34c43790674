with

sessions as (

    select * from {{ ref('int_sessions_attributed') }}

),

with_previous as (

    select
        *,
        lag(purchases) over person_timeline as previous_purchases,
        lag(ended_at) over person_timeline as previous_ended_at
    from sessions
    window person_timeline as (partition by person_id order by started_at, session_id)

),

flagged as (

    select
        *,
        case
            when previous_ended_at is null then 1
            when previous_purchases > 0 then 1
            when
                started_at > {{ dbt.dateadd('day', var('journey_timeout_days'), 'previous_ended_at') }}
                then 1
            else 0
        end as is_journey_start
    from with_previous

),

numbered as (

    select
        *,
        sum(is_journey_start) over (
            partition by person_id order by started_at, session_id rows unbounded preceding
        ) as journey_number
    from flagged

),

final as (

    select
        session_id,
        {{ surrogate_key(['person_id', 'journey_number']) }} as journey_id,
        person_id,
        customer_id,
        first_order_id,
        channel,
        attributed_channel,
        cast(journey_number as bigint) as journey_number,
        row_number() over (
            partition by person_id, journey_number order by started_at, session_id
        ) as journey_session_number,
        purchases,
        max_stage_order,
        started_at,
        ended_at
    from numbered

)

select * from final
