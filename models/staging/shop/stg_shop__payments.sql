with

checked as (

    select * from {{ ref('base_shop__payments') }}

),

final as (

    select
        payment_id,
        order_id,
        payment_method,
        installments,
        amount,
        paid_at
    from checked
    where quarantine_reason is null

)

select * from final
