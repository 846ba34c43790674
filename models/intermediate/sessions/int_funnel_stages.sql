{#- One row per funnel stage of the event_types seed, in order: several event types share a stage
    (page_view, login and signup are all a visit). -#}
with

event_types as (

    select * from {{ ref('event_types') }}

),

final as (

    select
        stage_order,
        min(journey_stage) as journey_stage,
        stage_order = min(stage_order) over () as is_entry_stage
    from event_types
    group by 1

)

select * from final
