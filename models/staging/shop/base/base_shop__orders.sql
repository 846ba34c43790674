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
        {{ parse_amount('shipping_amount') }} as shipping_amount,
        {{ parse_date('promised_delivery_date') }} as promised_delivery_date,
        {{ parse_timestamp('ordered_at') }} as ordered_at,
        {{ parse_timestamp('shipped_at') }} as shipped_at,
        {{ parse_timestamp('delivered_at') }} as delivered_at,
        {{ parse_timestamp('returned_at') }} as returned_at,
        -- the raw text of each value that is there but does not parse, for the record
        {{ unparsed_text('shipping_amount', parse_amount('shipping_amount')) }} as raw_shipping_amount,
        {{ unparsed_text('promised_delivery_date', parse_date('promised_delivery_date')) }}
            as raw_promised_delivery_date,
        {{ unparsed_text('ordered_at', parse_timestamp('ordered_at')) }} as raw_ordered_at,
        {{ unparsed_text('shipped_at', parse_timestamp('shipped_at')) }} as raw_shipped_at,
        {{ unparsed_text('delivered_at', parse_timestamp('delivered_at')) }} as raw_delivered_at,
        {{ unparsed_text('returned_at', parse_timestamp('returned_at')) }} as raw_returned_at
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
            ('typed.raw_ordered_at is not null', 'invalid_ordered_at'),
            ('typed.ordered_at is null', 'missing_ordered_at'),
            ('typed.ordered_at > ' ~ future_cutoff(), 'future_ordered_at'),
            ('typed.shipping_amount < 0', 'negative_shipping_amount'),
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
