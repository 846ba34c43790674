{#- Every order's lines in fct_order_items add up to the order in fct_orders: as many lines as its
    item_lines, and net revenue to the cent, so revenue by product category sums to revenue.
    Returns the orders that disagree. -#}
with

orders as (

    select * from {{ ref('fct_orders') }}

),

order_items as (

    select * from {{ ref('fct_order_items') }}

),

line_totals as (

    select
        order_id,
        count(*) as item_lines,
        sum(net_revenue) as net_revenue
    from order_items
    group by 1

),

final as (

    select
        coalesce(orders.order_id, line_totals.order_id) as order_id,
        orders.item_lines as order_item_lines,
        line_totals.item_lines,
        orders.net_revenue as order_net_revenue,
        line_totals.net_revenue as item_net_revenue
    from orders
    full outer join line_totals
        on orders.order_id = line_totals.order_id
    where
        orders.order_id is null
        or coalesce(line_totals.item_lines, 0) != orders.item_lines
        or abs(coalesce(line_totals.net_revenue, 0) - orders.net_revenue) > 0.005

)

select * from final
