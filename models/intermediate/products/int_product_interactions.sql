{#- One row per thing a known customer did with a product up to the as-of time: a product view or
    cart add (sessions stitched with the logins known at the as-of time, int_sessions_as_of, so
    anonymous browsing counts once the visitor has logged in) and an ordered line of an order
    that was not cancelled. The recommenders learn from these rows and the offline evaluation
    splits them by interacted_at. One look-ahead remains for the evaluation's cutoffs: a session
    before a cutoff is credited to a customer whose login on that device came after it. -#}
with

events as (

    select * from {{ ref('int_events_sessionized') }}

),

sessions as (

    select * from {{ ref('int_sessions_as_of') }}

),

order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

orders as (

    select * from {{ ref('int_orders_as_of') }}

),

reference_dates as (

    select * from {{ ref('int_reference_dates') }}

),

browsing as (

    select
        events.event_id as interaction_id,
        sessions.customer_id,
        events.product_id,
        case events.event_type when 'product_view' then 'view' else 'cart' end as interaction_type,
        1 as quantity,
        events.event_at as interacted_at
    from events
    inner join sessions
        on events.session_id = sessions.session_id
    where
        events.event_type in ('product_view', 'add_to_cart')
        and events.product_id is not null
        and sessions.customer_id is not null

),

purchases as (

    select
        order_items.order_item_id as interaction_id,
        orders.customer_id,
        order_items.product_id,
        'purchase' as interaction_type,
        order_items.quantity,
        orders.ordered_at as interacted_at
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
    where not orders.is_cancelled

),

interactions as (

    select * from browsing
    union all
    select * from purchases

),

final as (

    select
        interactions.interaction_id,
        interactions.customer_id,
        interactions.product_id,
        interactions.interaction_type,
        cast(interactions.quantity as integer) as quantity,
        interactions.interacted_at
    from interactions
    cross join reference_dates
    where interactions.interacted_at <= reference_dates.as_of_at

)

select * from final
