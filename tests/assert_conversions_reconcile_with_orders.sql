{#- Each purchased order converts one session and at most one journey, and the funnel counts each
    converted session once: the funnel's purchase stage equals the converted sessions of
    fct_sessions, the orders credited to sessions equal the distinct orders with a purchase event,
    and no journey holds more orders than that. Returns one row when any count differs. -#}
with

purchase_stage as (

    select max(stage_order) as stage_order
    from {{ ref('int_funnel_stages') }}

),

purchased_orders as (

    select count(distinct events.order_id) as orders
    from {{ ref('stg_shop__events') }} as events
    inner join {{ ref('fct_orders') }} as orders
        on events.order_id = orders.order_id
    where events.event_type = 'purchase'

),

counts as (

    select
        (
            select coalesce(sum(funnel.sessions_reached), 0)
            from {{ ref('fct_funnel_daily') }} as funnel
            inner join purchase_stage
                on funnel.stage_order = purchase_stage.stage_order
        ) as funnel_purchase_sessions,
        (
            select count(*)
            from {{ ref('fct_sessions') }}
            where is_converted
        ) as converted_sessions,
        (select coalesce(sum(orders), 0) from {{ ref('fct_sessions') }}) as session_orders,
        (select count(order_id) from {{ ref('fct_customer_journeys') }}) as journey_orders,
        (select orders from purchased_orders) as purchased_orders

),

final as (

    select *
    from counts
    where
        funnel_purchase_sessions != converted_sessions
        or session_orders != purchased_orders
        or journey_orders > purchased_orders

)

select * from final
