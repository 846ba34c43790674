{#- What customer segmentation reads: one row per buyer (a customer with a revenue order by the
    as-of time; prospects have no behaviour to cluster), behaviour as known at the as-of time:
    RFM, engagement, channel and device mix of their sessions, discounts, returns, and the review
    and ticket counts and sentiment of int_customer_feedback. The customer embedding is joined in
    Python (ml_customer_segments). The features the segmentation uses are declared in
    ml/segment_features.py. -#}
with

customers as (

    select * from {{ ref('dim_customers') }}

),

reference_dates as (

    select * from {{ ref('int_reference_dates') }}

),

feedback as (

    select * from {{ ref('int_customer_feedback') }}

),

known_orders as (

    select * from {{ ref('int_orders_as_of') }}

),

orders_enriched as (

    select * from {{ ref('int_orders_enriched') }}

),

known_sessions as (

    select * from {{ ref('int_sessions_as_of') }}

),

sessions as (

    select * from {{ ref('int_sessions') }}

),

buyers as (

    select
        customer_id,
        lifecycle_stage,
        days_since_last_order,
        revenue_orders,
        orders_placed,
        returned_orders,
        revenue,
        average_order_value,
        tenure_days
    from customers
    where revenue_orders > 0

),

discounts as (

    select
        known_orders.customer_id,
        sum(orders_enriched.discount_amount) as discount_amount,
        sum(orders_enriched.gross_item_amount) as gross_item_amount
    from known_orders
    inner join orders_enriched
        on known_orders.order_id = orders_enriched.order_id
    where known_orders.is_revenue
    group by 1

),

customer_sessions as (

    {#- Customers as stitched at the as-of time; device is a landing attribute of the session. -#}
    select
        known_sessions.customer_id,
        known_sessions.started_at,
        sessions.device,
        case
            when known_sessions.channel in ('paid_search', 'paid_social', 'affiliate', 'other_campaign')
                then 'paid'
            when known_sessions.channel in ('organic_search', 'organic_social', 'referral')
                then 'organic'
            when known_sessions.channel = 'email' then 'email'
            else 'direct'
        end as channel_group
    from known_sessions
    inner join sessions
        on known_sessions.session_id = sessions.session_id
    where known_sessions.customer_id is not null

),

session_mix as (

    select
        customer_sessions.customer_id,
        count(*) as sessions,
        count(
            case
                when customer_sessions.started_at > {{ dbt.dateadd('day', -90, 'reference_dates.as_of_at') }}
                    then 1
            end
        ) as sessions_last_90d,
        count(case when customer_sessions.device = 'mobile' then 1 end) as mobile_sessions,
        count(case when customer_sessions.channel_group = 'paid' then 1 end) as paid_sessions,
        count(case when customer_sessions.channel_group = 'organic' then 1 end) as organic_sessions,
        count(case when customer_sessions.channel_group = 'email' then 1 end) as email_sessions,
        count(case when customer_sessions.channel_group = 'direct' then 1 end) as direct_sessions
    from customer_sessions
    cross join reference_dates
    group by 1

),

final as (

    select
        buyers.customer_id,
        buyers.lifecycle_stage,
        cast(buyers.days_since_last_order as double) as days_since_last_order,
        cast(buyers.revenue_orders as double) as revenue_orders,
        cast(buyers.revenue as double) as revenue,
        cast(buyers.average_order_value as double) as average_order_value,
        cast(buyers.tenure_days as double) as tenure_days,
        cast(coalesce(session_mix.sessions_last_90d, 0) as double) as sessions_last_90d,
        cast(session_mix.mobile_sessions as double) / nullif(session_mix.sessions, 0) as mobile_session_share,
        cast(session_mix.paid_sessions as double) / nullif(session_mix.sessions, 0) as paid_session_share,
        cast(session_mix.organic_sessions as double) / nullif(session_mix.sessions, 0) as organic_session_share,
        cast(session_mix.email_sessions as double) / nullif(session_mix.sessions, 0) as email_session_share,
        cast(session_mix.direct_sessions as double) / nullif(session_mix.sessions, 0) as direct_session_share,
        cast(discounts.discount_amount as double) / nullif(discounts.gross_item_amount, 0) as discount_share,
        cast(buyers.returned_orders as double) / nullif(buyers.orders_placed, 0) as returned_order_share,
        cast(coalesce(feedback.reviews_written, 0) as double) as reviews_written,
        cast(feedback.average_review_sentiment as double) as avg_review_sentiment,
        cast(coalesce(feedback.tickets_opened, 0) as double) as tickets_total,
        cast(feedback.average_ticket_sentiment as double) as avg_ticket_sentiment,
        reference_dates.as_of_at
    from buyers
    cross join reference_dates
    left join discounts
        on buyers.customer_id = discounts.customer_id
    left join session_mix
        on buyers.customer_id = session_mix.customer_id
    left join feedback
        on buyers.customer_id = feedback.customer_id

)

select * from final
