{#- What the churn and value models read: the point-in-time features of int_customer_features_pit
    plus the average review sentiment of each customer at each cutoff, over the reviews created at
    or before it, and the BG/NBD and Gamma-Gamma outputs fitted at that cutoff (ml_btyd_features).
    Both come from the ML layer, so the SQL layers build without them. The features the models use
    are declared in ml/customer_features.py. -#}
with

features as (

    select * from {{ ref('int_customer_features_pit') }}

),

reviews as (

    select * from {{ ref('stg_shop__reviews') }}

),

review_sentiment as (

    select * from {{ ref('ml_review_sentiment') }}

),

btyd_features as (

    select * from {{ ref('ml_btyd_features') }}

),

sentiment_at_cutoff as (

    select
        features.customer_cutoff_id,
        avg(review_sentiment.sentiment_score) as avg_review_sentiment
    from features
    inner join reviews
        on
            features.customer_id = reviews.customer_id
            and features.cutoff_at >= reviews.created_at
    inner join review_sentiment
        on reviews.review_id = review_sentiment.review_id
    group by 1

),

final as (

    select
        features.customer_cutoff_id,
        features.customer_id,
        features.cutoff_number,
        features.days_since_last_order,
        features.tenure_days,
        features.orders_total,
        features.orders_last_30d,
        features.orders_last_90d,
        features.orders_last_180d,
        features.orders_last_365d,
        features.revenue_total,
        features.revenue_last_365d,
        features.average_order_value,
        features.repeat_purchase_days,
        features.repeat_span_days,
        features.purchase_age_days,
        features.mean_gap_days,
        features.gap_variation,
        features.last_gap_days,
        features.recency_gap_ratio,
        features.repeat_purchase_value,
        btyd_features.bgnbd_p_alive,
        btyd_features.bgnbd_purchases_churn_horizon,
        btyd_features.bgnbd_purchases_value_horizon,
        btyd_features.bgnbd_p_no_purchase_churn_horizon,
        btyd_features.gamma_gamma_spend,
        btyd_features.btyd_expected_value,
        features.returned_orders,
        features.late_deliveries,
        features.avg_delivery_delay_days,
        features.sessions_last_30d,
        features.sessions_prev_30d,
        features.session_trend,
        features.cart_abandonment_rate,
        features.days_since_last_session,
        features.tickets_total,
        features.tickets_last_90d,
        features.unresolved_tickets,
        features.reviews_total,
        features.negative_reviews,
        features.avg_review_rating,
        cast(sentiment_at_cutoff.avg_review_sentiment as double) as avg_review_sentiment,
        features.is_churned,
        features.revenue_in_value_horizon,
        features.is_lapsed,
        features.is_churn_training,
        features.is_value_training,
        features.is_scoring_snapshot,
        features.cutoff_at
    from features
    left join btyd_features
        on features.customer_cutoff_id = btyd_features.customer_cutoff_id
    left join sentiment_at_cutoff
        on features.customer_cutoff_id = sentiment_at_cutoff.customer_cutoff_id

)

select * from final
