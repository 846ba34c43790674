{#- One row per order line with its product's category, so revenue can be sliced by category.
    A line's net_revenue is its gross amount (order_line_gross_amount, as int_orders_enriched
    sums it) less its discount on revenue orders and 0 on the others: the lines of an order add
    up to its revenue to the cent (tested). -#}
with

order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

products as (

    select * from {{ ref('stg_shop__products') }}

),

priced as (

    select
        order_items.order_item_id,
        order_items.order_id,
        orders.customer_id,
        order_items.product_id,
        coalesce(products.category, 'unknown') as product_category,
        order_items.quantity,
        order_items.unit_price,
        {{ order_line_gross_amount('order_items') }} as gross_item_amount,
        order_items.discount_amount,
        orders.is_revenue,
        orders.ordered_at
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
    left join products
        on order_items.product_id = products.product_id

),

final as (

    select
        order_item_id,
        order_id,
        customer_id,
        product_id,
        product_category,
        cast(quantity as integer) as quantity,
        cast(unit_price as decimal(18, 2)) as unit_price,
        cast(gross_item_amount as decimal(18, 2)) as gross_item_amount,
        cast(discount_amount as decimal(18, 2)) as discount_amount,
        cast(case when is_revenue then gross_item_amount - discount_amount else 0 end as decimal(18, 2))
            as net_revenue,
        is_revenue,
        ordered_at
    from priced

)

select * from final
