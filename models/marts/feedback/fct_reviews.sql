{#- One row per review with its rating, its product's category and the sentiment the ML layer
    scored from its text; the text itself stays in staging, so the mart carries no free text a
    customer may have written personal details into. -#}
with

reviews as (

    select * from {{ ref('stg_shop__reviews') }}

),

products as (

    select * from {{ ref('stg_shop__products') }}

),

review_sentiment as (

    select * from {{ ref('ml_review_sentiment') }}

),

final as (

    select
        reviews.review_id,
        reviews.customer_id,
        reviews.order_id,
        reviews.product_id,
        coalesce(products.category, 'unknown') as product_category,
        cast(reviews.rating as integer) as rating,
        review_sentiment.sentiment_label,
        cast(review_sentiment.sentiment_score as double) as sentiment_score,
        coalesce(review_sentiment.status, 'not_scored') as sentiment_status,
        cast({{ dbt.date_trunc('month', 'reviews.created_at') }} as date) as review_month,
        reviews.created_at as reviewed_at
    from reviews
    left join products
        on reviews.product_id = products.product_id
    left join review_sentiment
        on reviews.review_id = review_sentiment.review_id

)

select * from final
