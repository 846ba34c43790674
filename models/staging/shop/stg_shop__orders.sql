with

checked as (

    select * from {{ ref('base_shop__orders') }}

),

final as (

    select
        order_id,
        customer_id,
        raw_status,
        order_status,
        shipping_amount,
        is_revenue,
        promised_delivery_date,
        ordered_at,
        shipped_at,
        delivered_at,
        returned_at
    from checked
    where quarantine_reason is null

)

select * from final
