with

sessions as (

    select * from {{ ref('int_journey_sessions') }}

),

session_details as (

    select * from {{ ref('int_sessions_attributed') }}

),

events as (

    select * from {{ ref('int_events_sessionized') }}

),

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

order_purchase_events as (

    {#- The purchase event that converted each order: a re-fired one (a reloaded confirmation
        page) must not credit the order's revenue twice. -#}
    select
        session_id,
        order_id
    from events
    where event_type = 'purchase' and order_id is not null and not is_refired_purchase

),

session_revenue as (

    select
        order_purchase_events.session_id,
        count(distinct orders.order_id) as orders,
        sum(orders.net_revenue) as revenue
    from order_purchase_events
    inner join orders
        on order_purchase_events.order_id = orders.order_id
    group by 1

),

final as (

    select
        session_details.session_id,
        sessions.journey_id,
        session_details.visitor_id,
        session_details.anonymous_id,
        session_details.customer_id,
        session_details.person_id,
        session_details.landing_page,
        session_details.referrer_domain,
        session_details.utm_source,
        session_details.utm_medium,
        session_details.utm_campaign,
        session_details.device,
        session_details.channel,
        session_details.attributed_channel,
        cast(session_details.events as integer) as events,
        cast(session_details.page_views as integer) as page_views,
        cast(session_details.product_views as integer) as product_views,
        cast(session_details.searches as integer) as searches,
        cast(session_details.cart_adds as integer) as cart_adds,
        cast(session_details.cart_removes as integer) as cart_removes,
        cast(session_details.checkouts as integer) as checkouts,
        cast(session_details.purchases as integer) as purchases,
        cast(coalesce(session_revenue.orders, 0) as integer) as orders,
        cast(coalesce(session_revenue.revenue, 0) as decimal(18, 2)) as revenue,
        cast(
            {{ dbt.datediff('session_details.started_at', 'session_details.ended_at', 'second') }} as integer  -- noqa: LT05
        ) as duration_seconds,
        cast(session_details.max_stage_order as integer) as max_stage_order,
        session_details.events = 1 as is_bounce,
        session_details.is_stitched,
        session_details.purchases > 0 as is_converted,
        cast(session_details.started_at as date) as session_date,
        session_details.started_at,
        session_details.ended_at
    from session_details
    inner join sessions
        on session_details.session_id = sessions.session_id
    left join session_revenue
        on session_details.session_id = session_revenue.session_id

)

select * from final
