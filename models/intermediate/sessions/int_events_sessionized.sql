with

events as (

    select * from {{ ref('stg_shop__events') }}

),

event_types as (

    select * from {{ ref('event_types') }}

),

keyed as (

    select
        events.*,
        event_types.journey_stage,
        event_types.stage_order,
        coalesce(events.anonymous_id, 'customer:' || events.customer_id) as visitor_id
    from events
    inner join event_types
        on events.event_type = event_types.event_type

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
        event_at
    from numbered

)

select * from final
