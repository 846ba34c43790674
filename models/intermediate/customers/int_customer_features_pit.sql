{#- Point-in-time customer features: one row per customer and cutoff, computed only from what
    was known at the cutoff (events at or before it), with the labels observed over the horizons
    after it. The scoring snapshot's cutoff is the as-of time, the latest moment in the data, so
    what happened at that very moment counts as known. The population at each cutoff is every
    customer with a revenue order by then, lapsed ones (churned by the lifecycle definition: no
    order within churn_days) included and flagged, the same rule for training and scoring, so
    the models are trained on the customers they score. Review sentiment and the BG/NBD features,
    which come from the ML layer, are joined in there (ml_customer_features_pit), so this model
    and every SQL layer build without them. -#}
with

cutoffs as (

    select * from {{ ref('int_model_cutoffs') }}

),

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

sessions as (

    select * from {{ ref('int_sessions_attributed') }}

),

tickets as (

    select * from {{ ref('stg_shop__support_tickets') }}

),

reviews as (

    select * from {{ ref('stg_shop__reviews') }}

),

lifecycle_thresholds as (

    select * from {{ ref('lifecycle_thresholds') }}

),

thresholds as (

    {{ lifecycle_threshold_columns('lifecycle_thresholds') }}

),

orders_at_cutoff as (

    {#- Orders placed by each cutoff, as they stood then: an order returned after the cutoff was
        still revenue at it. The same rule holds at the scoring snapshot, as in the customer marts,
        which take returns as of the as-of time too, so both agree on who is an active customer.
        Cancellations carry no timestamp, so they are not used. -#}
    select
        cutoffs.cutoff_at,
        orders.customer_id,
        orders.ordered_at,
        orders.delivered_at,
        orders.returned_at,
        orders.is_late_delivery,
        orders.delivery_delay_days,
        orders.net_item_amount,
        {{ is_revenue_at('orders', 'cutoffs.cutoff_at') }} as is_revenue_at_cutoff
    from cutoffs
    inner join orders
        on cutoffs.cutoff_at >= orders.ordered_at

),

order_features as (

    select
        cutoff_at,
        customer_id,
        count(case when is_revenue_at_cutoff then 1 end) as orders_total,
        count(
            case
                when
                    is_revenue_at_cutoff
                    and ordered_at >= {{ dbt.dateadd('day', -30, 'cutoff_at') }}
                    then 1
            end
        ) as orders_last_30d,
        count(
            case
                when
                    is_revenue_at_cutoff
                    and ordered_at >= {{ dbt.dateadd('day', -90, 'cutoff_at') }}
                    then 1
            end
        ) as orders_last_90d,
        count(
            case
                when
                    is_revenue_at_cutoff
                    and ordered_at >= {{ dbt.dateadd('day', -180, 'cutoff_at') }}
                    then 1
            end
        ) as orders_last_180d,
        count(
            case
                when
                    is_revenue_at_cutoff
                    and ordered_at >= {{ dbt.dateadd('day', -365, 'cutoff_at') }}
                    then 1
            end
        ) as orders_last_365d,
        sum(
            case
                when
                    is_revenue_at_cutoff
                    and ordered_at >= {{ dbt.dateadd('day', -365, 'cutoff_at') }}
                    then net_item_amount
                else 0
            end
        ) as revenue_last_365d,
        sum(case when is_revenue_at_cutoff then net_item_amount else 0 end) as revenue_total,
        max(case when is_revenue_at_cutoff then ordered_at end) as last_order_at,
        count(case when returned_at <= cutoff_at then 1 end) as returned_orders,
        count(case when delivered_at <= cutoff_at and is_late_delivery then 1 end) as late_deliveries,
        avg(case when delivered_at <= cutoff_at then delivery_delay_days end) as avg_delivery_delay_days
    from orders_at_cutoff
    group by 1, 2

),

purchase_days as (

    {#- The purchase history as BG/NBD sees it: one purchase per customer and calendar day, so
        two orders on one day are one purchase, with that day's revenue. -#}
    select
        cutoff_at,
        customer_id,
        {{ dbt.date_trunc('day', 'ordered_at') }} as purchase_day,
        sum(net_item_amount) as day_revenue
    from orders_at_cutoff
    where is_revenue_at_cutoff
    group by 1, 2, 3

),

purchase_gaps as (

    select
        cutoff_at,
        customer_id,
        purchase_day,
        day_revenue,
        {{ dbt.datediff(
            'lag(purchase_day) over (partition by cutoff_at, customer_id order by purchase_day)',
            'purchase_day',
            'day',
        ) }} as gap_days,
        row_number() over (partition by cutoff_at, customer_id order by purchase_day) as day_number,
        row_number() over (partition by cutoff_at, customer_id order by purchase_day desc) as days_after
    from purchase_days

),

timing_features as (

    select
        cutoff_at,
        customer_id,
        count(*) - 1 as repeat_purchase_days,
        {{ dbt.datediff('min(purchase_day)', 'max(purchase_day)', 'day') }} as repeat_span_days,  -- noqa: LT05
        min(purchase_day) as first_purchase_day,
        avg(case when day_number > 1 then day_revenue end) as repeat_purchase_value,
        stddev_samp(gap_days) as gap_stddev_days,
        max(case when days_after = 1 then gap_days end) as last_gap_days
    from purchase_gaps
    group by 1, 2

),

session_features as (

    {#- Sessions in which the customer logged in, over by the cutoff (a session that spans it
        would bring its later cart adds, purchase and login along). Stitching credits anonymous
        sessions to the customer who logs in on that device later, which a cutoff cannot know. -#}
    select
        cutoffs.cutoff_at,
        sessions.logged_in_customer_id as customer_id,
        count(
            case when sessions.started_at >= {{ dbt.dateadd('day', -30, 'cutoffs.cutoff_at') }} then 1 end
        ) as sessions_last_30d,
        count(
            case
                when
                    sessions.started_at >= {{ dbt.dateadd('day', -60, 'cutoffs.cutoff_at') }}
                    and sessions.started_at < {{ dbt.dateadd('day', -30, 'cutoffs.cutoff_at') }}
                    then 1
            end
        ) as sessions_prev_30d,
        count(case when sessions.cart_adds > 0 then 1 end) as cart_sessions,
        count(case when sessions.cart_adds > 0 and sessions.purchases = 0 then 1 end)
            as abandoned_cart_sessions,
        max(sessions.started_at) as last_session_at
    from cutoffs
    inner join sessions
        on
            cutoffs.cutoff_at >= sessions.ended_at
            and sessions.started_at >= {{ dbt.dateadd('day', -180, 'cutoffs.cutoff_at') }}
    where sessions.logged_in_customer_id is not null
    group by 1, 2

),

ticket_features as (

    select
        cutoffs.cutoff_at,
        tickets.customer_id,
        count(*) as tickets_total,
        count(
            case when tickets.created_at >= {{ dbt.dateadd('day', -90, 'cutoffs.cutoff_at') }} then 1 end
        ) as tickets_last_90d,
        count(case when tickets.resolved_at is null or tickets.resolved_at > cutoffs.cutoff_at then 1 end)
            as unresolved_tickets
    from cutoffs
    inner join tickets
        on cutoffs.cutoff_at >= tickets.created_at
    group by 1, 2

),

review_features as (

    select
        cutoffs.cutoff_at,
        reviews.customer_id,
        count(*) as reviews_total,
        avg(reviews.rating) as avg_review_rating,
        count(case when reviews.rating <= 2 then 1 end) as negative_reviews
    from cutoffs
    inner join reviews
        on cutoffs.cutoff_at >= reviews.created_at
    group by 1, 2

),

future_orders as (

    {#- The churn label: revenue orders in the churn horizon after a churn training cutoff, as
        known at the horizon's end (an order returned only after it still counts). -#}
    select
        cutoffs.cutoff_at,
        orders.customer_id,
        count(*) as orders_in_horizon
    from cutoffs
    inner join orders
        on
            cutoffs.cutoff_at < orders.ordered_at
            and orders.ordered_at <= {{ dbt.dateadd('day', var('churn_horizon_days'), 'cutoffs.cutoff_at') }}
    where
        cutoffs.is_churn_training
        and {{ is_revenue_at('orders', dbt.dateadd('day', var('churn_horizon_days'), 'cutoffs.cutoff_at')) }}
    group by 1, 2

),

future_revenue as (

    {#- The value label: net revenue in the value horizon after a value training cutoff, as known
        at the horizon's end. -#}
    select
        cutoffs.cutoff_at,
        orders.customer_id,
        sum(orders.net_item_amount) as revenue_in_horizon
    from cutoffs
    inner join orders
        on
            cutoffs.cutoff_at < orders.ordered_at
            and orders.ordered_at <= {{ dbt.dateadd('day', var('value_horizon_days'), 'cutoffs.cutoff_at') }}
    where
        cutoffs.is_value_training
        and {{ is_revenue_at('orders', dbt.dateadd('day', var('value_horizon_days'), 'cutoffs.cutoff_at')) }}
    group by 1, 2

),

population as (

    select
        order_features.*,
        cutoffs.cutoff_number,
        cutoffs.is_churn_training,
        cutoffs.is_value_training,
        cutoffs.is_scoring_snapshot,
        customers.signup_at,
        {{ dbt.datediff('order_features.last_order_at', 'order_features.cutoff_at', 'day') }}
        > thresholds.churn_days as is_lapsed
    from order_features
    inner join cutoffs
        on order_features.cutoff_at = cutoffs.cutoff_at
    inner join customers
        on order_features.customer_id = customers.customer_id
    cross join thresholds
    where order_features.orders_total > 0

),

final as (

    select
        {{ surrogate_key(['population.customer_id', 'population.cutoff_at']) }} as customer_cutoff_id,
        population.customer_id,
        cast(population.cutoff_number as integer) as cutoff_number,
        cast({{ dbt.datediff('population.last_order_at', 'population.cutoff_at', 'day') }} as double)  -- noqa: LT05
            as days_since_last_order,
        cast({{ dbt.datediff('population.signup_at', 'population.cutoff_at', 'day') }} as double)  -- noqa: LT05
            as tenure_days,
        cast(population.orders_total as double) as orders_total,
        cast(population.orders_last_30d as double) as orders_last_30d,
        cast(population.orders_last_90d as double) as orders_last_90d,
        cast(population.orders_last_180d as double) as orders_last_180d,
        cast(population.orders_last_365d as double) as orders_last_365d,
        cast(population.revenue_last_365d as double) as revenue_last_365d,
        cast(timing_features.repeat_purchase_days as double) as repeat_purchase_days,
        cast(timing_features.repeat_span_days as double) as repeat_span_days,
        cast({{ dbt.datediff('timing_features.first_purchase_day', 'population.cutoff_at', 'day') }} as double)  -- noqa: LT05
            as purchase_age_days,
        cast(timing_features.repeat_span_days as double)
        / nullif(timing_features.repeat_purchase_days, 0) as mean_gap_days,
        cast(timing_features.gap_stddev_days as double)
        * timing_features.repeat_purchase_days
        / nullif(timing_features.repeat_span_days, 0) as gap_variation,
        cast(timing_features.last_gap_days as double) as last_gap_days,
        cast({{ dbt.datediff('population.last_order_at', 'population.cutoff_at', 'day') }} as double)  -- noqa: LT05
        * timing_features.repeat_purchase_days
        / nullif(timing_features.repeat_span_days, 0) as recency_gap_ratio,
        cast(timing_features.repeat_purchase_value as double) as repeat_purchase_value,
        cast(population.revenue_total as double) as revenue_total,
        cast(population.revenue_total / population.orders_total as double) as average_order_value,
        cast(population.returned_orders as double) as returned_orders,
        cast(population.late_deliveries as double) as late_deliveries,
        cast(population.avg_delivery_delay_days as double) as avg_delivery_delay_days,
        cast(coalesce(session_features.sessions_last_30d, 0) as double) as sessions_last_30d,
        cast(coalesce(session_features.sessions_prev_30d, 0) as double) as sessions_prev_30d,
        cast(
            (coalesce(session_features.sessions_last_30d, 0) - coalesce(session_features.sessions_prev_30d, 0))
            / (coalesce(session_features.sessions_prev_30d, 0) + 1.0) as double
        ) as session_trend,
        cast(session_features.abandoned_cart_sessions as double)
        / nullif(session_features.cart_sessions, 0) as cart_abandonment_rate,
        cast({{ dbt.datediff('session_features.last_session_at', 'population.cutoff_at', 'day') }} as double)  -- noqa: LT05
            as days_since_last_session,
        cast(coalesce(ticket_features.tickets_total, 0) as double) as tickets_total,
        cast(coalesce(ticket_features.tickets_last_90d, 0) as double) as tickets_last_90d,
        cast(coalesce(ticket_features.unresolved_tickets, 0) as double) as unresolved_tickets,
        cast(coalesce(review_features.reviews_total, 0) as double) as reviews_total,
        cast(coalesce(review_features.negative_reviews, 0) as double) as negative_reviews,
        cast(review_features.avg_review_rating as double) as avg_review_rating,
        case
            when not population.is_churn_training then null
            when future_orders.orders_in_horizon > 0 then 0
            else 1
        end as is_churned,
        case
            when population.is_value_training
                then cast(coalesce(future_revenue.revenue_in_horizon, 0) as double)
        end as revenue_in_value_horizon,
        population.is_lapsed,
        population.is_churn_training,
        population.is_value_training,
        population.is_scoring_snapshot,
        population.cutoff_at
    from population
    inner join timing_features
        on
            population.customer_id = timing_features.customer_id
            and population.cutoff_at = timing_features.cutoff_at
    left join session_features
        on
            population.customer_id = session_features.customer_id
            and population.cutoff_at = session_features.cutoff_at
    left join ticket_features
        on
            population.customer_id = ticket_features.customer_id
            and population.cutoff_at = ticket_features.cutoff_at
    left join review_features
        on
            population.customer_id = review_features.customer_id
            and population.cutoff_at = review_features.cutoff_at
    left join future_orders
        on
            population.customer_id = future_orders.customer_id
            and population.cutoff_at = future_orders.cutoff_at
    left join future_revenue
        on
            population.customer_id = future_revenue.customer_id
            and population.cutoff_at = future_revenue.cutoff_at

)

select * from final
