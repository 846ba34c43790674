{#- One row per customer segment of ml_customer_segments: its name, size and share of buyers, and
    the average behaviour of its customers in the features' own units, with the segmentation's
    chosen number of clusters and silhouette. Built on the ML layer, like customer_360 and the
    decision marts: builds of the SQL layers alone leave it out with the rest of python_models/
    and its descendants. -#}
with

customer_segments as (

    select * from {{ ref('ml_customer_segments') }}

),

segment_profiles as (

    select * from {{ ref('ml_segment_profiles') }}

),

segment_features as (

    select * from {{ ref('ml_segment_features') }}

),

segment_averages as (

    select
        customer_segments.segment_id,
        count(*) as customers,
        avg(segment_features.days_since_last_order) as avg_days_since_last_order,
        avg(segment_features.revenue_orders) as avg_revenue_orders,
        avg(segment_features.revenue) as avg_revenue,
        avg(segment_features.average_order_value) as avg_order_value,
        avg(segment_features.tenure_days) as avg_tenure_days,
        avg(segment_features.sessions_last_90d) as avg_sessions_last_90d,
        avg(segment_features.mobile_session_share) as mobile_session_share,
        avg(segment_features.paid_session_share) as paid_session_share,
        avg(segment_features.organic_session_share) as organic_session_share,
        avg(segment_features.email_session_share) as email_session_share,
        avg(segment_features.direct_session_share) as direct_session_share,
        avg(segment_features.discount_share) as avg_discount_share,
        avg(segment_features.returned_order_share) as avg_returned_order_share,
        avg(segment_features.reviews_written) as avg_reviews_written,
        avg(segment_features.avg_review_sentiment) as avg_review_sentiment,
        avg(segment_features.tickets_total) as avg_tickets,
        avg(segment_features.avg_ticket_sentiment) as avg_ticket_sentiment,
        avg(customer_segments.distance_to_centroid) as avg_distance_to_centroid
    from customer_segments
    inner join segment_features
        on customer_segments.customer_id = segment_features.customer_id
    group by 1

),

totals as (

    select count(*) as customers
    from customer_segments

),

final as (

    select
        cast(segment_profiles.segment_id as integer) as segment_id,
        segment_profiles.segment_name,
        segment_profiles.name_basis,
        segment_profiles.model_version,
        cast(segment_averages.customers as integer) as customers,
        cast(segment_averages.customers as double) / totals.customers as customer_share,
        cast(segment_averages.avg_days_since_last_order as double) as avg_days_since_last_order,
        cast(segment_averages.avg_revenue_orders as double) as avg_revenue_orders,
        cast(segment_averages.avg_revenue as decimal(18, 2)) as avg_revenue,
        cast(segment_averages.avg_order_value as decimal(18, 2)) as avg_order_value,
        cast(segment_averages.avg_tenure_days as double) as avg_tenure_days,
        cast(segment_averages.avg_sessions_last_90d as double) as avg_sessions_last_90d,
        cast(segment_averages.mobile_session_share as double) as mobile_session_share,
        cast(segment_averages.paid_session_share as double) as paid_session_share,
        cast(segment_averages.organic_session_share as double) as organic_session_share,
        cast(segment_averages.email_session_share as double) as email_session_share,
        cast(segment_averages.direct_session_share as double) as direct_session_share,
        cast(segment_averages.avg_discount_share as double) as avg_discount_share,
        cast(segment_averages.avg_returned_order_share as double) as avg_returned_order_share,
        cast(segment_averages.avg_reviews_written as double) as avg_reviews_written,
        cast(segment_averages.avg_review_sentiment as double) as avg_review_sentiment,
        cast(segment_averages.avg_tickets as double) as avg_tickets,
        cast(segment_averages.avg_ticket_sentiment as double) as avg_ticket_sentiment,
        cast(segment_averages.avg_distance_to_centroid as double) as avg_distance_to_centroid,
        cast(segment_profiles.segment_count as integer) as segment_count,
        cast(segment_profiles.silhouette_score as double) as silhouette_score,
        segment_profiles.is_carried_over,
        segment_profiles.segmented_at
    from segment_profiles
    inner join segment_averages
        on segment_profiles.segment_id = segment_averages.segment_id
    cross join totals

)

select * from final
