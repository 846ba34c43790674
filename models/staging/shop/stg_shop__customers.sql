with

checked as (

    select * from {{ ref('base_shop__customers') }}

),

final as (

    select
        customer_id,
        email,
        first_name,
        last_name,
        country,
        city,
        signup_at,
        updated_at
    from checked
    where quarantine_reason is null

)

select * from final
