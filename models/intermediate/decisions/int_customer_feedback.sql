{#- What each customer told the shop, as of int_reference_dates: reviews with their rating and
    sentiment, support tickets with their sentiment and whether they were open at the as-of time,
    and whether any of it was a bad experience within bad_experience_lookback_days before it.
    A bad experience is a review rated 1-2 or of negative sentiment, or a ticket that was unresolved
    at the as-of time or of negative sentiment. Reads the ML sentiment tables, so it is part of the
    ML-dependent layer. -#}
with

customers as (

    select * from {{ ref('dim_customers') }}

),

reviews as (

    select * from {{ ref('stg_shop__reviews') }}

),

review_sentiment as (

    select * from {{ ref('ml_review_sentiment') }}

),

tickets as (

    select * from {{ ref('stg_shop__support_tickets') }}

),

ticket_sentiment as (

    select * from {{ ref('ml_ticket_sentiment') }}

),

reference_dates as (

    select * from {{ ref('int_reference_dates') }}

),

lookback as (

    select
        as_of_at,
        {{ dbt.dateadd('day', -1 * var('bad_experience_lookback_days'), 'as_of_at') }} as lookback_start_at
    from reference_dates

),

known_reviews as (

    select
        reviews.review_id,
        reviews.customer_id,
        reviews.rating,
        case when review_sentiment.status = 'scored' then review_sentiment.sentiment_score end as sentiment_score,
        coalesce(
            reviews.created_at > lookback.lookback_start_at
            and (reviews.rating <= 2 or review_sentiment.sentiment_label = 'negative'),
            false
        ) as is_recent_bad_review,
        reviews.created_at
    from reviews
    cross join lookback
    left join review_sentiment
        on reviews.review_id = review_sentiment.review_id
    where reviews.created_at <= lookback.as_of_at

),

known_tickets as (

    select
        tickets.ticket_id,
        tickets.customer_id,
        tickets.ticket_status,
        case when ticket_sentiment.status = 'scored' then ticket_sentiment.sentiment_score end as sentiment_score,
        coalesce(tickets.resolved_at is null or tickets.resolved_at > lookback.as_of_at, false) as is_open,
        coalesce(ticket_sentiment.sentiment_label = 'negative', false) as is_negative,
        tickets.created_at > lookback.lookback_start_at as is_recent,
        tickets.created_at
    from tickets
    cross join lookback
    left join ticket_sentiment
        on tickets.ticket_id = ticket_sentiment.ticket_id
    where tickets.created_at <= lookback.as_of_at

),

review_summary as (

    select
        customer_id,
        count(*) as reviews_written,
        avg(rating) as average_review_rating,
        avg(sentiment_score) as average_review_sentiment,
        sum(case when is_recent_bad_review then 1 else 0 end) as recent_bad_reviews,
        max(case when is_recent_bad_review then created_at end) as last_bad_review_at
    from known_reviews
    group by 1

),

ticket_summary as (

    select
        customer_id,
        count(*) as tickets_opened,
        sum(case when is_open then 1 else 0 end) as open_tickets,
        avg(sentiment_score) as average_ticket_sentiment,
        sum(case when is_recent and (is_open or is_negative) then 1 else 0 end) as recent_bad_tickets,
        max(case when is_recent and (is_open or is_negative) then created_at end) as last_bad_ticket_at
    from known_tickets
    group by 1

),

last_tickets as (

    select
        customer_id,
        ticket_status as last_ticket_status,
        created_at as last_ticket_at
    from known_tickets
    qualify row_number() over (partition by customer_id order by created_at desc, ticket_id desc) = 1

),

final as (

    select
        customers.customer_id,
        last_tickets.last_ticket_status,
        cast(coalesce(review_summary.reviews_written, 0) as integer) as reviews_written,
        cast(review_summary.average_review_rating as double) as average_review_rating,
        cast(review_summary.average_review_sentiment as double) as average_review_sentiment,
        cast(coalesce(review_summary.recent_bad_reviews, 0) as integer) as recent_bad_reviews,
        cast(coalesce(ticket_summary.tickets_opened, 0) as integer) as tickets_opened,
        cast(coalesce(ticket_summary.open_tickets, 0) as integer) as open_tickets,
        cast(ticket_summary.average_ticket_sentiment as double) as average_ticket_sentiment,
        cast(coalesce(ticket_summary.recent_bad_tickets, 0) as integer) as recent_bad_tickets,
        coalesce(review_summary.recent_bad_reviews, 0) + coalesce(ticket_summary.recent_bad_tickets, 0) > 0
            as has_bad_experience,
        greatest(review_summary.last_bad_review_at, ticket_summary.last_bad_ticket_at) as last_bad_experience_at,
        last_tickets.last_ticket_at
    from customers
    left join review_summary
        on customers.customer_id = review_summary.customer_id
    left join ticket_summary
        on customers.customer_id = ticket_summary.customer_id
    left join last_tickets
        on customers.customer_id = last_tickets.customer_id

)

select * from final
