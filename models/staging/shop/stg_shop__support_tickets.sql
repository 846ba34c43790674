with

checked as (

    select * from {{ ref('base_shop__support_tickets') }}

),

final as (

    select
        ticket_id,
        customer_id,
        order_id,
        channel,
        ticket_subject,
        ticket_body,
        ticket_status,
        created_at,
        resolved_at
    from checked
    where quarantine_reason is null

)

select * from final
