with

source as (

    select * from {{ source('shop', 'payments') }}

),

orders as (

    select order_id from {{ ref('stg_shop__orders') }}

),

typed as (

    select
        cast(payment_id as varchar) as payment_id,
        cast(order_id as varchar) as order_id,
        lower({{ clean_text('cast(payment_method as varchar)') }}) as payment_method,
        {{ parse_integer('installments') }} as installments,
        {{ parse_amount('amount') }} as amount,
        {{ parse_timestamp('paid_at') }} as paid_at,
        -- the raw text of each value that is there but does not parse, for the record
        {{ unparsed_text('installments', parse_integer('installments')) }} as raw_installments,
        {{ unparsed_text('amount', parse_amount('amount')) }} as raw_amount,
        {{ unparsed_text('paid_at', parse_timestamp('paid_at')) }} as raw_paid_at
    from source

),

checked as (

    select
        typed.*,
        {{ first_failed_check([
            ('typed.payment_id is null', 'missing_payment_id'),
            ('typed.order_id is null', 'missing_order_id'),
            ('typed.raw_amount is not null', 'invalid_amount'),
            ('typed.amount < 0', 'negative_amount'),
            ('typed.paid_at > ' ~ future_cutoff(), 'future_paid_at'),
            ('orders.order_id is null', 'orphan_order_id'),
        ]) }} as row_defect
    from typed
    left join orders
        on typed.order_id = orders.order_id

),

final as (

    {{ flag_duplicates('checked', 'payment_id', 'paid_at desc nulls last') }}

)

select * from final
