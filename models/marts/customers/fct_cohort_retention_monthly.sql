{#- Months are counted on a spine of 0..600 so that months without any activity still appear with
    zero retained customers; 600 months bounds any realistic history. -#}
with

known_orders as (

    select * from {{ ref('int_orders_as_of') }}

),

reference_dates as (

    select * from {{ ref('int_reference_dates') }}

),

month_offsets as (

    {{ dbt.generate_series(601) }}

),

customer_months as (

    select distinct
        customer_id,
        {{ dbt.date_trunc('month', 'ordered_at') }} as activity_month
    from known_orders
    where is_revenue

),

customer_cohorts as (

    select
        customer_id,
        min(activity_month) as cohort_month
    from customer_months
    group by 1

),

cohort_sizes as (

    select
        cohort_month,
        count(*) as cohort_customers
    from customer_cohorts
    group by 1

),

cohort_grid as (

    select
        cohort_sizes.cohort_month,
        cohort_sizes.cohort_customers,
        month_offsets.generated_number - 1 as months_since_first_order,
        {{ dbt.dateadd('month', 'month_offsets.generated_number - 1', 'cohort_sizes.cohort_month') }}
            as activity_month
    from cohort_sizes
    cross join month_offsets
    cross join reference_dates
    where
        {{ dbt.dateadd('month', 'month_offsets.generated_number - 1', 'cohort_sizes.cohort_month') }}
        <= {{ dbt.date_trunc('month', 'reference_dates.as_of_at') }}

),

monthly_activity as (

    select
        customer_cohorts.cohort_month,
        {{ dbt.date_trunc('month', 'orders.ordered_at') }} as activity_month,
        count(distinct orders.customer_id) as active_customers,
        count(*) as orders,
        sum(orders.net_revenue) as revenue
    from known_orders as orders
    inner join customer_cohorts
        on orders.customer_id = customer_cohorts.customer_id
    where orders.is_revenue
    group by 1, 2

),

final as (

    select
        {{ surrogate_key(['cohort_grid.cohort_month', 'cohort_grid.months_since_first_order']) }}
            as cohort_month_id,
        cast(cohort_grid.months_since_first_order as integer) as months_since_first_order,
        cast(cohort_grid.cohort_customers as integer) as cohort_customers,
        cast(coalesce(monthly_activity.active_customers, 0) as integer) as active_customers,
        cast(coalesce(monthly_activity.orders, 0) as integer) as orders,
        cast(coalesce(monthly_activity.revenue, 0) as decimal(18, 2)) as revenue,
        cast(coalesce(monthly_activity.active_customers, 0) as double) / cohort_grid.cohort_customers
            as retention_rate,
        cast(cohort_grid.cohort_month as date) as cohort_month,
        cast(cohort_grid.activity_month as date) as activity_month
    from cohort_grid
    left join monthly_activity
        on
            cohort_grid.cohort_month = monthly_activity.cohort_month
            and cohort_grid.activity_month = monthly_activity.activity_month

)

select * from final
