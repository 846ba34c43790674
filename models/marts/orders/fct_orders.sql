with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

final as (

    select
        order_id,
        customer_id,
        order_status,
        cast(item_lines as integer) as item_lines,
        cast(units as integer) as units,
        cast(gross_item_amount as decimal(18, 2)) as gross_item_amount,
        cast(discount_amount as decimal(18, 2)) as discount_amount,
        cast(net_item_amount as decimal(18, 2)) as net_item_amount,
        cast(shipping_amount as decimal(18, 2)) as shipping_amount,
        cast(order_total as decimal(18, 2)) as order_total,
        cast(net_revenue as decimal(18, 2)) as net_revenue,
        cast(payments as integer) as payments,
        cast(paid_amount as decimal(18, 2)) as paid_amount,
        cast(delivery_days as integer) as delivery_days,
        cast(delivery_delay_days as integer) as delivery_delay_days,
        cast(customer_order_number as integer) as customer_order_number,
        cast(customer_revenue_order_number as integer) as customer_revenue_order_number,
        is_revenue,
        is_late_delivery,
        is_returned,
        is_cancelled,
        promised_delivery_date,
        order_date,
        ordered_at,
        shipped_at,
        delivered_at,
        returned_at
    from orders

)

select * from final
