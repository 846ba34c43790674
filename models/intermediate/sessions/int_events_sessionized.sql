with

events as (

    select * from {{ ref('stg_shop__events') }}

),

event_types as (

    select * from {{ ref('event_types') }}

),

entry_stage as (

    select * from {{ ref('int_funnel_stages') }}
    where is_entry_stage

),

order_conversions as (

    {#- The first purchase event of an order converts it. The same order's purchase event fired
        again later (a reloaded or bookmarked confirmation page, in this session or another) is a
        page visit, so no session, journey or funnel counts the order twice. -#}
    select event_id
    from events
    where event_type = 'purchase' and order_id is not null
    qualify row_number() over (partition by order_id order by event_at, event_id) = 1

),

purchases_flagged as (

    select
        events.*,
        events.event_type = 'purchase'
        and events.order_id is not null
        and order_conversions.event_id is null as is_refired_purchase
    from events
    left join order_conversions
        on events.event_id = order_conversions.event_id

),

keyed as (

    select
        purchases_flagged.*,
        case
            when purchases_flagged.is_refired_purchase then entry_stage.journey_stage
            else event_types.journey_stage
        end as journey_stage,
        case
            when purchases_flagged.is_refired_purchase then entry_stage.stage_order
            else event_types.stage_order
        end as stage_order,
        coalesce(purchases_flagged.anonymous_id, 'customer:' || purchases_flagged.customer_id) as visitor_id
    from purchases_flagged
    inner join event_types
        on purchases_flagged.event_type = event_types.event_type
    cross join entry_stage

),

with_previous as (

    select
        *,
        lag(event_at) over visitor_timeline as previous_event_at,
        last_value(utm_campaign ignore nulls) over (
            visitor_timeline rows between unbounded preceding and 1 preceding
        ) as previous_campaign
    from keyed
    window visitor_timeline as (partition by visitor_id order by event_at, event_id)

),

flagged as (

    select
        *,
        case
            when previous_event_at is null then 1
            when
                event_at > {{ dbt.dateadd('minute', var('session_timeout_minutes'), 'previous_event_at') }}
                then 1
            when utm_campaign != coalesce(previous_campaign, '') then 1
            else 0
        end as is_session_start
    from with_previous

),

numbered as (

    select
        *,
        sum(is_session_start) over (
            partition by visitor_id order by event_at, event_id rows unbounded preceding
        ) as session_number
    from flagged

),

final as (

    select
        event_id,
        {{ surrogate_key(['visitor_id', 'session_number']) }} as session_id,
        visitor_id,
        anonymous_id,
        customer_id,
        product_id,
        order_id,
        event_type,
        journey_stage,
        page_url,
        referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        device,
        search_query,
        cast(session_number as bigint) as session_number,
        row_number() over (
            partition by visitor_id, session_number order by event_at, event_id
        ) as event_number_in_session,
        stage_order,
        is_session_start = 1 as is_session_start,
        is_refired_purchase,
        event_at
    from numbered

)

select * from final
