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
        {{ parse_timestamp('signup_at') }} as signup_at,
        {{ parse_timestamp('updated_at') }} as updated_at,
        -- the raw text of each value that is there but does not parse, for the record
        {{ unparsed_text('signup_at', parse_timestamp('signup_at')) }} as raw_signup_at,
        {{ unparsed_text('updated_at', parse_timestamp('updated_at')) }} as raw_updated_at
    from source

),

checked as (

    select
        *,
        {{ first_failed_check([
            ('customer_id is null', 'missing_customer_id'),
            ('raw_signup_at is not null', 'invalid_signup_at'),
            ('signup_at is null', 'missing_signup_at'),
            ('signup_at > ' ~ future_cutoff(), 'future_signup_at'),
        ]) }} as row_defect
    from typed

),

final as (

    {{ flag_duplicates('checked', 'customer_id', 'updated_at desc nulls last, signup_at asc') }}

)

select * from final
