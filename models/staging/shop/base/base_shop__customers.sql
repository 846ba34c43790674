with

source as (

    select * from {{ source('shop', 'customers') }}

),

typed as (

    select
        cast(customer_id as varchar) as customer_id,
        {{ clean_text('cast(email as varchar)') }} as email,
        {{ clean_text('cast(first_name as varchar)') }} as first_name,
        {{ clean_text('cast(last_name as varchar)') }} as last_name,
        {{ clean_text('cast(country as varchar)') }} as country,
        {{ clean_text('cast(city as varchar)') }} as city,
        try_cast(signup_at as timestamp) as signup_at,
        try_cast(updated_at as timestamp) as updated_at
    from source

),

checked as (

    select
        *,
        {{ first_failed_check([
            ('customer_id is null', 'missing_customer_id'),
            ('signup_at is null', 'missing_signup_at'),
            ('signup_at > ' ~ future_cutoff(), 'future_signup_at'),
        ]) }} as row_defect
    from typed

),

final as (

    {{ flag_duplicates('checked', 'customer_id', 'updated_at desc nulls last, signup_at asc') }}

)

select * from final
