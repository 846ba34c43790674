{#- How customers move between lifecycle stages from month to month, for Sankey charts. Every
    customer is staged at lifecycle_flow_months + 1 snapshots: the as-of time and the last instant
    of each of the lifecycle_flow_months calendar months before its month, so each flow month runs
    from one month end to the next and the latest runs to the as-of time (an as-of time of
    midnight on the 1st makes that latest month a microsecond long). Each snapshot sees only
    orders placed at or before it, judged as they stood then (an order returned later was still
    revenue at it, as in int_customer_features_pit), with days measured to the snapshot; one thing
    is today's, as in int_orders_as_of: an order cancelled later is left out of earlier snapshots
    too, for want of a cancellation time. The stage rule is dim_customers' (the lifecycle_stage
    macro), so the latest snapshot gives dim_customers' stages. A customer who had not signed up
    yet and had no revenue order is not_signed_up. Consecutive snapshots are paired per customer
    and counted: one row per flow month and pair of stages, leaving out customers who had not
    signed up at either end. -#}
with

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

reference_dates as (

    select * from {{ ref('int_reference_dates') }}

),

lifecycle_thresholds as (

    select * from {{ ref('lifecycle_thresholds') }}

),

month_offsets as (

    {{ dbt.generate_series(var('lifecycle_flow_months') + 1) }}

),

thresholds as (

    {{ lifecycle_threshold_columns('lifecycle_thresholds') }}

),

snapshots as (

    select
        case
            when month_offsets.generated_number = 1 then reference_dates.as_of_at
            else {{ dbt.dateadd('microsecond', -1, dbt.dateadd(
                'month', '2 - month_offsets.generated_number', dbt.date_trunc('month', 'reference_dates.as_of_at')
            )) }}
        end as snapshot_at
    from month_offsets
    cross join reference_dates

),

revenue_orders_at_snapshot as (

    select
        snapshots.snapshot_at,
        orders.customer_id,
        orders.ordered_at,
        row_number() over (
            partition by snapshots.snapshot_at, orders.customer_id
            order by orders.ordered_at desc, orders.order_id desc
        ) as order_recency
    from snapshots
    inner join orders
        on snapshots.snapshot_at >= orders.ordered_at
    where {{ is_revenue_at('orders', 'snapshots.snapshot_at') }}

),

order_history_at_snapshot as (

    select
        snapshot_at,
        customer_id,
        count(*) as revenue_orders,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        max(case when order_recency = 2 then ordered_at end) as previous_order_at
    from revenue_orders_at_snapshot
    group by 1, 2

),

customer_snapshots as (

    select
        customers.customer_id,
        coalesce(order_history.revenue_orders, 0) as revenue_orders,
        {{ dbt.datediff('order_history.last_order_at', 'snapshots.snapshot_at', 'day') }}
            as days_since_last_order,
        {{ dbt.datediff('order_history.first_order_at', 'snapshots.snapshot_at', 'day') }}
            as days_since_first_order,
        {{ dbt.datediff('order_history.previous_order_at', 'order_history.last_order_at', 'day') }}
            as days_between_last_two_orders,
        thresholds.new_customer_days,
        thresholds.active_days,
        thresholds.churn_days,
        customers.signup_at > snapshots.snapshot_at as is_before_signup,
        snapshots.snapshot_at
    from customers
    cross join snapshots
    cross join thresholds
    left join order_history_at_snapshot as order_history
        on
            customers.customer_id = order_history.customer_id
            and snapshots.snapshot_at = order_history.snapshot_at

),

staged as (

    select
        customer_id,
        case
            when is_before_signup and revenue_orders = 0 then 'not_signed_up'
            else {{ lifecycle_stage(
                'revenue_orders', 'days_since_last_order', 'days_since_first_order', 'days_between_last_two_orders',
            ) }}
        end as lifecycle_stage,
        snapshot_at
    from customer_snapshots

),

stage_pairs as (

    select
        customer_id,
        lag(lifecycle_stage) over customer_timeline as from_stage,
        lifecycle_stage as to_stage,
        snapshot_at as flow_month_end_at
    from staged
    window customer_timeline as (partition by customer_id order by snapshot_at)

),

flows as (

    select
        flow_month_end_at,
        from_stage,
        to_stage,
        count(*) as customers
    from stage_pairs
    where
        from_stage is not null
        and not (from_stage = 'not_signed_up' and to_stage = 'not_signed_up')
    group by 1, 2, 3

),

final as (

    select
        {{ surrogate_key(['flow_month_end_at', 'from_stage', 'to_stage']) }} as lifecycle_flow_id,
        from_stage,
        to_stage,
        cast(customers as integer) as customers,
        from_stage != to_stage as is_stage_change,
        cast({{ dbt.date_trunc('month', 'flow_month_end_at') }} as date) as flow_month,
        cast(flow_month_end_at as timestamp) as flow_month_end_at
    from flows

)

select * from final
