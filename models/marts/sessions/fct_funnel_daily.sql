with

sessions as (

    select * from {{ ref('fct_sessions') }}

),

funnel_stages as (

    select * from {{ ref('int_funnel_stages') }}

),

daily_sessions as (

    select
        session_date,
        channel,
        device,
        count(*) as sessions
    from sessions
    group by 1, 2, 3

),

stage_reach as (

    select
        sessions.session_date,
        sessions.channel,
        sessions.device,
        funnel_stages.journey_stage,
        funnel_stages.stage_order,
        count(*) as sessions_reached
    from sessions
    inner join funnel_stages
        on sessions.max_stage_order >= funnel_stages.stage_order
    group by 1, 2, 3, 4, 5

),

final as (

    select
        {{ surrogate_key([
            'stage_reach.session_date', 'stage_reach.channel', 'stage_reach.device', 'stage_reach.journey_stage',
        ]) }} as funnel_row_id,
        stage_reach.channel,
        stage_reach.device,
        stage_reach.journey_stage,
        cast(stage_reach.stage_order as integer) as stage_order,
        cast(daily_sessions.sessions as integer) as sessions,
        cast(stage_reach.sessions_reached as integer) as sessions_reached,
        cast(stage_reach.sessions_reached as double) / daily_sessions.sessions as share_of_sessions,
        stage_reach.session_date
    from stage_reach
    inner join daily_sessions
        on
            stage_reach.session_date = daily_sessions.session_date
            and stage_reach.channel = daily_sessions.channel
            and stage_reach.device = daily_sessions.device

)

select * from final
