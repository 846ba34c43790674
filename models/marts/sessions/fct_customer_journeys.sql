with

journey_sessions as (

    select * from {{ ref('int_journey_sessions') }}

),

journey_steps as (

    select * from {{ ref('int_journey_steps') }}

),

furthest_stages as (

    select * from {{ ref('int_funnel_stages') }}

),

reference_dates as (

    select * from {{ ref('int_reference_dates') }}

),

orders as (

    select order_id from {{ ref('int_orders_enriched') }}

),

journey_summary as (

    select
        journey_id,
        person_id,
        max(customer_id) as customer_id,
        count(*) as sessions,
        max(purchases) > 0 as is_converted,
        max(max_stage_order) as furthest_stage_order,
        min(started_at) as started_at,
        max(ended_at) as ended_at
    from journey_sessions
    group by 1, 2

),

numbered_sessions as (

    select
        *,
        max(journey_session_number) over (partition by journey_id) as last_session_number
    from journey_sessions

),

touches as (

    select
        journey_id,
        max(case when journey_session_number = 1 then channel end) as first_touch_channel,
        max(case when journey_session_number = last_session_number then attributed_channel end)
            as last_touch_channel,
        min(case when purchases > 0 then first_order_id end) as order_id
    from numbered_sessions
    group by 1

),

paths as (

    select
        journey_id,
        count(*) as steps,
        {{ dbt.listagg('journey_stage', "' > '", 'order by step_number') }} as stage_path,
        min(case when journey_stage = 'purchase' then entered_at end) as converted_at
    from journey_steps
    group by 1

),

final as (

    select
        journey_summary.journey_id,
        journey_summary.person_id,
        journey_summary.customer_id,
        orders.order_id,
        paths.stage_path,
        touches.first_touch_channel,
        touches.last_touch_channel,
        case
            when journey_summary.is_converted then 'converted'
            when
                reference_dates.as_of_at
                > {{ dbt.dateadd('day', var('journey_timeout_days'), 'journey_summary.ended_at') }}
                then 'abandoned'
            else 'in_progress'
        end as journey_status,
        case when not journey_summary.is_converted then furthest_stages.journey_stage end as drop_off_stage,
        cast(journey_summary.sessions as integer) as sessions,
        cast(paths.steps as integer) as steps,
        cast(case when journey_summary.is_converted then journey_summary.sessions end as integer)
            as sessions_to_convert,
        cast(
            {{ dbt.datediff('journey_summary.started_at', 'paths.converted_at', 'day') }} as integer  -- noqa: LT05
        ) as days_to_convert,
        journey_summary.is_converted,
        journey_summary.started_at,
        paths.converted_at,
        journey_summary.ended_at
    from journey_summary
    cross join reference_dates
    inner join touches
        on journey_summary.journey_id = touches.journey_id
    inner join paths
        on journey_summary.journey_id = paths.journey_id
    left join furthest_stages
        on journey_summary.furthest_stage_order = furthest_stages.stage_order
    left join orders
        on touches.order_id = orders.order_id

)

select * from final
