{#- Net revenue up to the as-of time is the same whether summed from staged order lines, orders,
    customers or cohorts, and sessions never credit more than that (each order at most once).
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

staged as (

    select
        coalesce(sum(order_items.quantity * coalesce(order_items.unit_price, 0) - order_items.discount_amount), 0)
            as revenue
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
    inner join reference_dates
        on orders.ordered_at <= reference_dates.as_of_at
    where orders.is_revenue and orders.returned_at is null

),

layer_totals as (

    select
        (select revenue from staged) as staged_revenue,
        (
            select coalesce(sum(fct_orders.net_revenue), 0)
            from {{ ref('fct_orders') }} as fct_orders
            inner join reference_dates
                on fct_orders.ordered_at <= reference_dates.as_of_at
        ) as order_revenue,
        (select coalesce(sum(revenue), 0) from {{ ref('dim_customers') }}) as customer_revenue,
        (select coalesce(sum(revenue), 0) from {{ ref('fct_cohort_retention_monthly') }}) as cohort_revenue,
        (select coalesce(sum(net_revenue), 0) from {{ ref('fct_orders') }}) as all_order_revenue,
        (select coalesce(sum(revenue), 0) from {{ ref('fct_sessions') }}) as session_revenue

),

final as (

    select *
    from layer_totals
    where
        abs(staged_revenue - order_revenue) > 0.01
        or abs(staged_revenue - customer_revenue) > 0.01
        or abs(staged_revenue - cohort_revenue) > 0.01
        or session_revenue > all_order_revenue + 0.01

)

select * from final
