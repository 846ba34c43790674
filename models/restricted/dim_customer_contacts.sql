{#- Names and email addresses, kept out of the marts: this schema is for CRM exports and for the
    roles allowed to see who a customer is, not for BI. email_hash joins it to dim_customers'
    hash in tools that hold only the hash. -#}
with

customers as (

    select * from {{ ref('stg_shop__customers') }}

),

final as (

    select
        customer_id,
        {{ email_hash('email') }} as email_hash,
        email,
        first_name,
        last_name
    from customers

)

select * from final
