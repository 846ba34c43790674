{#- Orders as they stood at the as-of time: placed by then, with only the deliveries and returns
    that had happened by then. Customer-state marts read this, so that a build as of a past date
    reports what an export taken on that date would have shown. Cancellations carry no timestamp
    and keep today's status. -#}
with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

reference_dates as (

    select * from {{ ref('int_reference_dates') }}

),

known_orders as (

    select
        orders.*,
        {{ is_revenue_at('orders', 'reference_dates.as_of_at') }} as is_revenue_as_of,
        orders.is_returned and coalesce(orders.returned_at <= reference_dates.as_of_at, true)
            as is_returned_as_of,
        coalesce(orders.delivered_at <= reference_dates.as_of_at and orders.is_late_delivery, false)
            as is_late_delivery_as_of
    from orders
    inner join reference_dates
        on orders.ordered_at <= reference_dates.as_of_at

),

final as (

    select
        order_id,
        customer_id,
        case when is_revenue_as_of then net_item_amount else 0 end as net_revenue,
        is_revenue_as_of as is_revenue,
        is_returned_as_of as is_returned,
        is_cancelled,
        is_late_delivery_as_of as is_late_delivery,
        ordered_at
    from known_orders

)

select * from final
