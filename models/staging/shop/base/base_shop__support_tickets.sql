with

source as (

    select * from {{ source('shop', 'support_tickets') }}

),

customers as (

    select customer_id from {{ ref('stg_shop__customers') }}

),

orders as (

    select order_id from {{ ref('stg_shop__orders') }}

),

typed as (

    select
        cast(ticket_id as varchar) as ticket_id,
        cast(customer_id as varchar) as customer_id,
        cast(order_id as varchar) as order_id,
        lower({{ clean_text('cast(channel as varchar)') }}) as channel,
        {{ clean_text('cast(subject as varchar)') }} as ticket_subject,
        {{ clean_text('cast(body as varchar)') }} as ticket_body,
        lower({{ clean_text('cast(status as varchar)') }}) as ticket_status,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('resolved_at') }} as resolved_at,
        -- the raw text of each value that is there but does not parse, for the record
        {{ unparsed_text('created_at', parse_timestamp('created_at')) }} as raw_created_at,
        {{ unparsed_text('resolved_at', parse_timestamp('resolved_at')) }} as raw_resolved_at
    from source

),

checked as (

    select
        typed.*,
        {{ first_failed_check([
            ('typed.ticket_id is null', 'missing_ticket_id'),
            ('typed.customer_id is null', 'missing_customer_id'),
            ('typed.raw_created_at is not null', 'invalid_created_at'),
            ('typed.created_at is null', 'missing_created_at'),
            ('typed.created_at > ' ~ future_cutoff(), 'future_created_at'),
            (has_encoding_damage("coalesce(typed.ticket_subject, '') || ' ' || coalesce(typed.ticket_body, '')"), 'damaged_text_encoding'),
            ('length(typed.ticket_body) > ' ~ var('max_text_length'), 'oversized_text'),
            ('customers.customer_id is null', 'orphan_customer_id'),
            ('typed.order_id is not null and orders.order_id is null', 'orphan_order_id'),
        ]) }} as row_defect
    from typed
    left join customers
        on typed.customer_id = customers.customer_id
    left join orders
        on typed.order_id = orders.order_id

),

final as (

    {{ flag_duplicates('checked', 'ticket_id', 'created_at desc') }}

)

select * from final
