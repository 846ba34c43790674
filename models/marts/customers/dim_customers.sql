with

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

known_orders as (

    select * from {{ ref('int_orders_as_of') }}

),

known_sessions as (

    select * from {{ ref('int_sessions_as_of') }}

),

reference_dates as (

    select * from {{ ref('int_reference_dates') }}

),

lifecycle_thresholds as (

    select * from {{ ref('lifecycle_thresholds') }}

),

thresholds as (

    {{ lifecycle_threshold_columns('lifecycle_thresholds') }}

),

revenue_orders as (

    select
        customer_id,
        ordered_at,
        net_revenue,
        order_id,
        lag(ordered_at) over (partition by customer_id order by ordered_at, order_id) as previous_ordered_at
    from known_orders
    where is_revenue

),

order_summary as (

    select
        customer_id,
        count(*) as revenue_orders,
        sum(net_revenue) as revenue,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at
    from revenue_orders
    group by 1

),

last_order_gaps as (

    select
        customer_id,
        {{ dbt.datediff('previous_ordered_at', 'ordered_at', 'day') }} as days_between_last_two_orders  -- noqa: LT05
    from revenue_orders
    qualify row_number() over (partition by customer_id order by ordered_at desc, order_id desc) = 1

),

order_experience as (

    select
        customer_id,
        count(*) as orders_placed,
        sum(case when is_cancelled then 1 else 0 end) as cancelled_orders,
        sum(case when is_returned then 1 else 0 end) as returned_orders,
        sum(case when is_late_delivery then 1 else 0 end) as late_deliveries
    from known_orders
    group by 1

),

session_summary as (

    select
        customer_id,
        count(*) as sessions,
        min(started_at) as first_session_at,
        max(started_at) as last_session_at
    from known_sessions
    where customer_id is not null
    group by 1

),

acquisition as (

    select
        customer_id,
        attributed_channel as acquisition_channel
    from known_sessions
    where customer_id is not null
    qualify row_number() over (partition by customer_id order by started_at, session_id) = 1

),

joined as (

    select
        customers.customer_id,
        {{ email_hash('customers.email') }} as email_hash,
        customers.country,
        customers.city,
        coalesce(acquisition.acquisition_channel, 'unknown') as acquisition_channel,
        coalesce(order_summary.revenue_orders, 0) as revenue_orders,
        coalesce(order_experience.orders_placed, 0) as orders_placed,
        coalesce(order_experience.cancelled_orders, 0) as cancelled_orders,
        coalesce(order_experience.returned_orders, 0) as returned_orders,
        coalesce(order_experience.late_deliveries, 0) as late_deliveries,
        coalesce(session_summary.sessions, 0) as sessions,
        coalesce(order_summary.revenue, 0) as revenue,
        order_summary.revenue / nullif(order_summary.revenue_orders, 0) as average_order_value,
        {{ dbt.datediff('order_summary.last_order_at', 'reference_dates.as_of_at', 'day') }}
            as days_since_last_order,
        {{ dbt.datediff('order_summary.first_order_at', 'reference_dates.as_of_at', 'day') }}
            as days_since_first_order,
        last_order_gaps.days_between_last_two_orders,
        case
            when customers.signup_at <= reference_dates.as_of_at
                then {{ dbt.datediff('customers.signup_at', 'reference_dates.as_of_at', 'day') }}
        end as tenure_days,
        thresholds.new_customer_days,
        thresholds.active_days,
        thresholds.churn_days,
        customers.signup_at,
        order_summary.first_order_at,
        order_summary.last_order_at,
        session_summary.first_session_at,
        session_summary.last_session_at
    from customers
    cross join reference_dates
    cross join thresholds
    left join order_summary
        on customers.customer_id = order_summary.customer_id
    left join last_order_gaps
        on customers.customer_id = last_order_gaps.customer_id
    left join order_experience
        on customers.customer_id = order_experience.customer_id
    left join session_summary
        on customers.customer_id = session_summary.customer_id
    left join acquisition
        on customers.customer_id = acquisition.customer_id

),

scored as (

    select
        *,
        {{ quintile_score('days_since_last_order desc', 'revenue_orders > 0') }} as recency_score,
        {{ quintile_score('revenue_orders', 'revenue_orders > 0') }} as frequency_score,
        {{ quintile_score('revenue', 'revenue_orders > 0') }} as monetary_score,
        {{ lifecycle_stage(
            'revenue_orders', 'days_since_last_order', 'days_since_first_order', 'days_between_last_two_orders',
        ) }} as lifecycle_stage
    from joined

),

final as (

    select
        customer_id,
        email_hash,
        country,
        city,
        acquisition_channel,
        lifecycle_stage,
        cast(recency_score as varchar)
        || cast(frequency_score as varchar)
        || cast(monetary_score as varchar) as rfm_segment,
        cast(recency_score as integer) as recency_score,
        cast(frequency_score as integer) as frequency_score,
        cast(monetary_score as integer) as monetary_score,
        cast(revenue_orders as integer) as revenue_orders,
        cast(orders_placed as integer) as orders_placed,
        cast(cancelled_orders as integer) as cancelled_orders,
        cast(returned_orders as integer) as returned_orders,
        cast(late_deliveries as integer) as late_deliveries,
        cast(sessions as integer) as sessions,
        cast(revenue as decimal(18, 2)) as revenue,
        cast(average_order_value as decimal(18, 2)) as average_order_value,
        cast(days_since_last_order as integer) as days_since_last_order,
        cast(tenure_days as integer) as tenure_days,
        signup_at,
        first_order_at,
        last_order_at,
        first_session_at,
        last_session_at
    from scored

)

select * from final
