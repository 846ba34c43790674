{#- Net revenue is the same whether summed from staged order lines, orders, customers or cohorts.
    Returns one row when any layer disagrees by more than a cent. -#}
with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

staged as (

    select
        coalesce(sum(order_items.quantity * coalesce(order_items.unit_price, 0) - order_items.discount_amount), 0)
            as revenue
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
    where orders.is_revenue and orders.returned_at is null

),

layer_totals as (

    select
        (select revenue from staged) as staged_revenue,
        (select coalesce(sum(net_revenue), 0) from {{ ref('fct_orders') }}) as order_revenue,
        (select coalesce(sum(revenue), 0) from {{ ref('dim_customers') }}) as customer_revenue,
        (select coalesce(sum(revenue), 0) from {{ ref('fct_cohort_retention_monthly') }}) as cohort_revenue

),

final as (

    select *
    from layer_totals
    where
        abs(staged_revenue - order_revenue) > 0.01
        or abs(staged_revenue - customer_revenue) > 0.01
        or abs(staged_revenue - cohort_revenue) > 0.01

)

select * from final
