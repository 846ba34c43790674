with

events as (

    select * from {{ ref('int_events_sessionized') }}

),

channel_mapping as (

    select * from {{ ref('channel_mapping') }}

),

landings as (

    select
        session_id,
        visitor_id,
        anonymous_id,
        page_url as landing_page,
        utm_source,
        utm_medium,
        utm_campaign,
        device,
        {{ url_host('page_url') }} as landing_domain,
        {{ url_host('referrer') }} as raw_referrer_domain
    from events
    where event_number_in_session = 1

),

landings_external as (

    select
        *,
        case
            when raw_referrer_domain != coalesce(landing_domain, '') then raw_referrer_domain
        end as referrer_domain
    from landings

),

channel_matches as (

    select
        landings_external.session_id,
        channel_mapping.channel,
        row_number() over (
            partition by landings_external.session_id
            order by channel_mapping.priority, channel_mapping.channel
        ) as match_rank
    from landings_external
    inner join channel_mapping
        on
            (channel_mapping.utm_source is null or landings_external.utm_source = channel_mapping.utm_source)
            and (channel_mapping.utm_medium is null or landings_external.utm_medium = channel_mapping.utm_medium)
            and (
                channel_mapping.referrer_domain is null
                or landings_external.referrer_domain = channel_mapping.referrer_domain
            )
            and coalesce(
                channel_mapping.utm_source, channel_mapping.utm_medium, channel_mapping.referrer_domain
            ) is not null

),

first_logins as (

    {#- The customer who logged in first in the session, and when: a shared device can see two. -#}
    select
        session_id,
        customer_id as logged_in_customer_id,
        event_at as logged_in_at
    from events
    where customer_id is not null
    qualify row_number() over (partition by session_id order by event_at, event_id) = 1

),

first_orders as (

    select
        session_id,
        order_id as first_order_id
    from events
    where event_type = 'purchase' and order_id is not null and not is_refired_purchase
    qualify row_number() over (partition by session_id order by event_at, event_id) = 1

),

session_metrics as (

    select
        session_id,
        count(*) as events,
        count(case when event_type = 'page_view' then 1 end) as page_views,
        count(case when event_type = 'product_view' then 1 end) as product_views,
        count(case when event_type = 'search' then 1 end) as searches,
        count(case when event_type = 'add_to_cart' then 1 end) as cart_adds,
        count(case when event_type = 'remove_from_cart' then 1 end) as cart_removes,
        count(case when event_type = 'checkout_start' then 1 end) as checkouts,
        count(case when event_type = 'purchase' and not is_refired_purchase then 1 end) as purchases,
        max(stage_order) as max_stage_order,
        min(event_at) as started_at,
        max(event_at) as ended_at
    from events
    group by 1

),

final as (

    select
        session_metrics.session_id,
        landings_external.visitor_id,
        landings_external.anonymous_id,
        first_logins.logged_in_customer_id,
        first_orders.first_order_id,
        landings_external.landing_page,
        landings_external.referrer_domain,
        landings_external.utm_source,
        landings_external.utm_medium,
        landings_external.utm_campaign,
        landings_external.device,
        session_metrics.events,
        session_metrics.page_views,
        session_metrics.product_views,
        session_metrics.searches,
        session_metrics.cart_adds,
        session_metrics.cart_removes,
        session_metrics.checkouts,
        session_metrics.purchases,
        session_metrics.max_stage_order,
        first_logins.logged_in_at,
        session_metrics.started_at,
        session_metrics.ended_at,
        coalesce(
            channel_matches.channel,
            case
                when
                    landings_external.utm_source is not null
                    or landings_external.utm_medium is not null
                    or landings_external.utm_campaign is not null
                    then 'other_campaign'
                when landings_external.referrer_domain is not null then 'referral'
                else 'direct'
            end
        ) as channel
    from session_metrics
    inner join landings_external
        on session_metrics.session_id = landings_external.session_id
    left join channel_matches
        on
            session_metrics.session_id = channel_matches.session_id
            and channel_matches.match_rank = 1
    left join first_logins
        on session_metrics.session_id = first_logins.session_id
    left join first_orders
        on session_metrics.session_id = first_orders.session_id

)

select * from final
