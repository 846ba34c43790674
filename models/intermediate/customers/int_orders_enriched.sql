with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

payments as (

    select * from {{ ref('stg_shop__payments') }}

),

item_totals as (

    select
        order_id,
        count(*) as item_lines,
        sum(quantity) as units,
        sum({{ order_line_gross_amount() }}) as gross_item_amount,
        sum(discount_amount) as discount_amount
    from order_items
    group by 1

),

payment_totals as (

    select
        order_id,
        count(*) as payments,
        sum(amount) as paid_amount
    from payments
    group by 1

),

joined as (

    select
        orders.order_id,
        orders.customer_id,
        orders.order_status,
        orders.raw_status,
        coalesce(item_totals.item_lines, 0) as item_lines,
        coalesce(item_totals.units, 0) as units,
        coalesce(item_totals.gross_item_amount, 0) as gross_item_amount,
        coalesce(item_totals.discount_amount, 0) as discount_amount,
        coalesce(orders.shipping_amount, 0) as shipping_amount,
        coalesce(payment_totals.payments, 0) as payments,
        coalesce(payment_totals.paid_amount, 0) as paid_amount,
        orders.is_revenue and orders.returned_at is null as is_revenue,
        orders.promised_delivery_date,
        orders.ordered_at,
        orders.shipped_at,
        orders.delivered_at,
        orders.returned_at
    from orders
    left join item_totals
        on orders.order_id = item_totals.order_id
    left join payment_totals
        on orders.order_id = payment_totals.order_id

),

final as (

    select
        order_id,
        customer_id,
        order_status,
        raw_status,
        item_lines,
        units,
        gross_item_amount,
        discount_amount,
        gross_item_amount - discount_amount as net_item_amount,
        shipping_amount,
        gross_item_amount - discount_amount + shipping_amount as order_total,
        case when is_revenue then gross_item_amount - discount_amount else 0 end as net_revenue,
        payments,
        paid_amount,
        {{ dbt.datediff('ordered_at', 'delivered_at', 'day') }} as delivery_days,  -- noqa: LT05
        {{ dbt.datediff('promised_delivery_date', 'cast(delivered_at as date)', 'day') }}
            as delivery_delay_days,
        row_number() over (partition by customer_id order by ordered_at, order_id) as customer_order_number,
        case
            when is_revenue
                then row_number() over (
                        partition by customer_id, is_revenue order by ordered_at, order_id
                    )
        end as customer_revenue_order_number,
        is_revenue,
        cast(delivered_at as date) > promised_delivery_date as is_late_delivery,
        order_status = 'returned' or returned_at is not null as is_returned,
        order_status = 'cancelled' as is_cancelled,
        promised_delivery_date,
        cast(ordered_at as date) as order_date,
        ordered_at,
        shipped_at,
        delivered_at,
        returned_at
    from joined

)

select * from final
