{#- Net revenue is the same whether summed from staged order lines, orders, customers or cohorts,
    and sessions never credit more than the orders hold (each order at most once). Customers and
    cohorts are as of int_reference_dates, judging each order by what had happened by then (an
    order returned later was still revenue); orders are today's outcome over the whole history.
    Returns one row when any layer disagrees by more than a cent. -#}
with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

reference_dates as (

    select * from {{ ref('int_reference_dates') }}

),

staged_lines as (

    select
        order_items.quantity * coalesce(order_items.unit_price, 0) - order_items.discount_amount as line_revenue,
        orders.is_revenue and orders.returned_at is null as is_revenue_now,
        orders.ordered_at <= reference_dates.as_of_at
        and (
            (orders.is_revenue and orders.returned_at is null)
            or (
                (orders.order_status = 'returned' or orders.returned_at is not null)
                and orders.returned_at > reference_dates.as_of_at
            )
        ) as is_revenue_as_of
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
    cross join reference_dates

),

layer_totals as (

    select
        (select coalesce(sum(case when is_revenue_now then line_revenue end), 0) from staged_lines)
            as staged_revenue,
        (select coalesce(sum(case when is_revenue_as_of then line_revenue end), 0) from staged_lines)
            as staged_revenue_as_of,
        (select coalesce(sum(net_revenue), 0) from {{ ref('fct_orders') }}) as order_revenue,
        (select coalesce(sum(revenue), 0) from {{ ref('dim_customers') }}) as customer_revenue,
        (select coalesce(sum(revenue), 0) from {{ ref('fct_cohort_retention_monthly') }}) as cohort_revenue,
        (select coalesce(sum(revenue), 0) from {{ ref('fct_sessions') }}) as session_revenue

),

final as (

    select *
    from layer_totals
    where
        abs(staged_revenue - order_revenue) > 0.01
        or abs(staged_revenue_as_of - customer_revenue) > 0.01
        or abs(staged_revenue_as_of - cohort_revenue) > 0.01
        or session_revenue > order_revenue + 0.01

)

select * from final
