with

source as (

    select * from {{ source('shop', 'orders') }}

),

customers as (

    select customer_id from {{ ref('stg_shop__customers') }}

),

order_statuses as (

    select * from {{ ref('order_statuses') }}

),

typed as (

    select
        cast(order_id as varchar) as order_id,
        cast(customer_id as varchar) as customer_id,
        lower({{ clean_text('cast(status as varchar)') }}) as raw_status,
        try_cast(shipping_amount as double) as shipping_amount,
        try_cast(promised_delivery_date as date) as promised_delivery_date,
        try_cast(ordered_at as timestamp) as ordered_at,
        try_cast(shipped_at as timestamp) as shipped_at,
        try_cast(delivered_at as timestamp) as delivered_at,
        try_cast(returned_at as timestamp) as returned_at
    from source

),

checked as (

    select
        typed.*,
        coalesce(
            order_statuses.order_status,
            case when typed.raw_status is null then 'unknown' end
        ) as order_status,
        coalesce(order_statuses.is_revenue, typed.raw_status is null) as is_revenue,
        {{ first_failed_check([
            ('typed.order_id is null', 'missing_order_id'),
            ('typed.customer_id is null', 'missing_customer_id'),
            ('typed.ordered_at is null', 'missing_ordered_at'),
            ('typed.ordered_at > ' ~ future_cutoff(), 'future_ordered_at'),
            ('typed.raw_status is not null and order_statuses.order_status is null', 'unknown_order_status'),
            ('customers.customer_id is null', 'orphan_customer_id'),
        ]) }} as row_defect
    from typed
    left join order_statuses
        on typed.raw_status = order_statuses.raw_status
    left join customers
        on typed.customer_id = customers.customer_id

),

final as (

    {{ flag_duplicates('checked', 'order_id', 'ordered_at desc, delivered_at desc nulls last') }}

)

select * from final
